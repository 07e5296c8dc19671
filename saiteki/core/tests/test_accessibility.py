"""Accessibility (JIS X 8341-3 / WCAG 2.1 AA): axe-core on every main page, for every role that opens it.

axe-core is vendored for tests only (``vendor/axe-core``, MPL-2.0) and injected by Playwright into the
real page in Debian Chromium; nothing is fetched from the internet. The ledger is realistic enough that
every page shows its tables, forms, charts and buttons: systems of two divisions with servers (a host
and its VMs), contracts, costs of several years and stages, a survey, a host model, a scenario and a
finished run. Each role gets one browser context logged in through a real session cookie (with
``bypass_csp``: the site's Content-Security-Policy rightly refuses the injected script); a page the
role may not open (403/404) is skipped — which pages a role may open is the permission matrices' job.
A page whose structure (tags, classes, roles, attributes; not the text) another role already had
checked is not checked again: axe would find the same, and the run stays well under two minutes.

The test fails on any *serious* or *critical* violation of the WCAG 2.0/2.1 A and AA rules and prints
each one with the page, the role, the rule, its help URL and the offending elements.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from saiteki.consolidation.tests.factories import HostModelFactory, ScenarioFactory
from saiteki.core.context import change_context
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.testing import ROLES, make_org_tree, make_role_users
from saiteki.core.testing.axe import BLOCKING, describe, run_axe, session_cookie
from saiteki.ledger.tests.factories import (
    ContractFactory,
    CostFactory,
    ServerFactory,
    SystemFactory,
    VendorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FY = fiscal_year_of(datetime.date.today())


def build_ledger(orgs, admin) -> dict[str, str]:
    """A small but complete ledger; returns the URL of every main page, by a readable name."""
    from saiteki.consolidation import services as planner
    from saiteki.ledger.choices import HostingForm, ServerKind
    from saiteki.ledger.surveys import survey_campaign_create

    with change_context(user=admin):
        vendor = VendorFactory(name="株式会社さいてき情報")
        tax = SystemFactory(
            number="S001",
            name="県税総合システム",
            owning_division=orgs["税務課"],
            hosting_form=HostingForm.SHARED_PLATFORM,
            segment_lgwan=True,
            vendors=[vendor],
        )
        lib = SystemFactory(
            number="S002",
            name="図書館業務システム",
            owning_division=orgs["県立図書館"],
            hosting_form=HostingForm.SHARED_PLATFORM,
            segment_internet=True,
        )
        host = ServerFactory(
            name="VH-01",
            kind=ServerKind.PHYSICAL,
            vcpu=48,
            memory_gib=Decimal("768"),
            maintenance_end=datetime.date(FY + 2, 3, 31),
        )
        vms = [
            ServerFactory(
                name=f"vm-{system.number}-{i}",
                kind=ServerKind.VIRTUAL,
                host=host,
                vcpu=4,
                memory_gib=Decimal("16"),
                cpu_peak_pct=Decimal("40"),
                mem_peak_pct=Decimal("60"),
                systems=[system],
            )
            for system in (tax, lib)
            for i in (1, 2)
        ]
        host.systems.set([tax, lib])
        contract = ContractFactory(
            number="C001", title="県税総合システム保守", vendor=vendor, fiscal_year=FY, systems=[tax]
        )
        for system in (tax, lib):
            for fy in (FY - 1, FY, FY + 1):
                for category, amount in (("hw_lease", 1_200_000), ("app_maintenance", 800_000)):
                    CostFactory(
                        system=system, fiscal_year=fy, category=category, stage="budget", amount=amount
                    )
            CostFactory(
                system=system, fiscal_year=FY - 1, category="hw_lease", stage="actual", amount=1_150_000
            )
    campaign = survey_campaign_create(user=admin, fiscal_year=FY, title="台帳調査")
    scenario = ScenarioFactory(name="共通基盤の集約", fiscal_year=FY + 1, host_model=HostModelFactory())
    run = planner.scenario_run_create(scenario=scenario, user=admin)
    planner.scenario_run_execute(run_id=run.pk)
    return {
        "home": reverse("core:home"),
        "system list": reverse("ledger:system_list"),
        "system karte (own)": tax.get_absolute_url(),
        "system karte (other division)": lib.get_absolute_url(),
        "system edit": reverse("ledger:system_edit", args=[tax.pk]),
        "system add": reverse("ledger:system_add"),
        "system costs": reverse("ledger:system_costs", args=[tax.pk]),
        "system history": reverse("ledger:system_history", args=[tax.pk]),
        "server list": reverse("ledger:server_list"),
        "server detail": reverse("ledger:server_detail", args=[vms[0].pk]),
        "contract list": reverse("ledger:contract_list"),
        "contract detail": reverse("ledger:contract_detail", args=[contract.pk]),
        "cost analysis": reverse("ledger:cost_analysis"),
        "cost rows": reverse("ledger:cost_list"),
        "surveys": reverse("ledger:survey_list"),
        "survey detail": reverse("ledger:survey_detail", args=[campaign.pk]),
        "scenario list": reverse("consolidation:scenario_list"),
        "scenario detail": reverse("consolidation:scenario_detail", args=[scenario.pk]),
        "run": reverse("consolidation:run_detail", args=[run.pk]),
        "host models": reverse("consolidation:hostmodel_list"),
        "organisations": reverse("accounts:organization_list"),
        "users": reverse("accounts:user_list"),
        "audit log": reverse("core:audit_log"),
    }


# The page's structure without its text: tags, classes, roles, types and which attributes exist. Two
# roles that see a page with the same structure get the same axe result, so it is checked once.
STRUCTURE_JS = """() => Array.from(document.querySelectorAll('html *'), el => {
    const attrs = Array.from(el.attributes, a =>
        ['class', 'role', 'type', 'style', 'scope', 'lang', 'tabindex'].includes(a.name) ? a.name + '=' + a.value : a.name);
    const text = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    return el.tagName + '[' + attrs.sort().join(',') + ']' + (text ? 'T' : '');
}).join('|')"""


def test_main_pages_have_no_serious_accessibility_violations(browser, live_server):
    orgs = make_org_tree()
    users = make_role_users(orgs)
    pages = build_ledger(orgs, users["admin"])
    found: list[tuple[str, str, str, dict]] = []
    opened: dict[str, list[str]] = {}
    checked: set[int] = set()

    def visit(page, role, name, url):
        response = page.goto(f"{live_server.url}{url}")
        if response is None or response.status != 200:
            return
        opened.setdefault(role, []).append(name)
        structure = hash(page.evaluate(STRUCTURE_JS))
        if structure in checked:
            return
        checked.add(structure)
        found.extend((role, name, url, v) for v in run_axe(page) if v["impact"] in BLOCKING)

    for role in ("anonymous", *ROLES):
        context = browser.new_context(locale="ja-JP", bypass_csp=True)
        page = context.new_page()
        if role == "anonymous":
            visit(page, role, "login", reverse("accounts:login"))
        else:
            context.add_cookies([session_cookie(users[role], live_server)])
            for name, url in pages.items():
                visit(page, role, name, url)
        context.close()

    # The test must have looked at something: every page opened by the admin, the owner's own pages.
    assert opened["anonymous"] == ["login"]
    assert opened["admin"] == list(pages), opened["admin"]
    assert {"system karte (own)", "system edit", "system costs"} <= set(opened["owner"])
    assert "system karte (other division)" not in opened["owner"]
    assert not found, describe(found)
