"""axe-core in a real browser: inject the vendored script, run the WCAG A/AA rules, report readably.

The script lives in ``saiteki/core/tests/vendor/axe-core`` (MPL-2.0, tests only, never served). Open
the browser context with ``bypass_csp=True``: the site's Content-Security-Policy rightly refuses the
injected script. ``session_cookie`` logs a context in as a user without the login form.
"""

from __future__ import annotations

import pathlib

from django.conf import settings
from django.test import Client

AXE = pathlib.Path(__file__).parents[1] / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def run_axe(page) -> list[dict]:
    """Inject axe-core into the loaded page and return its WCAG A/AA violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            .then(r => r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                          html: n.html.slice(0, 200)}))})))""",
        WCAG_TAGS,
    )


def describe(found: list[tuple[str, str, str, dict]]) -> str:
    """One readable block per violation: where, which rule, why, and which elements."""
    lines = [f"{len(found)} serious/critical accessibility violations:"]
    for role, name, url, v in found:
        lines.append(f"\n[{v['impact']}] {v['id']} — {v['help']}\n  page: {name} ({url}) as {role}")
        lines.append(f"  rule: {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"  - {node['target']}\n      {node['html']}")
            lines.extend(f"      {s}" for s in (node["summary"] or "").splitlines()[:3])
        if len(v["nodes"]) > 5:
            lines.append(f"  … and {len(v['nodes']) - 5} more elements")
    return "\n".join(lines)


def session_cookie(user, live_server) -> dict:
    """A real login session for ``user`` (force_login skips axes' lockout, not the session)."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
