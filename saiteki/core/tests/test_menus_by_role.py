"""Each role's menu offers only pages it can open, and the buttons a role sees lead somewhere."""

import re

import pytest
from django.urls import reverse

from saiteki.ledger.tests.factories import make_cost, make_server, make_system

pytestmark = pytest.mark.django_db

ROLES = ["admin", "owner", "advisor", "viewer", "auditor"]


def _links(html: str, scope: str) -> list[str]:
    return [h for h in re.findall(r'<a [^>]*href="(/[^"#]*)"', scope) if not h.startswith("/static/")]


def _nav(html: str) -> str:
    start = html.find('id="nav"')
    return html[start : html.find("</nav>", start)] if start >= 0 else ""


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_entry_opens(client, role_users, orgs, role):
    make_system(orgs["税務課"])
    client.force_login(role_users[role])
    html = client.get(reverse("core:home")).content.decode()
    links = _links(html, _nav(html))
    assert links, "the menu is empty"
    refused = {url: client.get(url).status_code for url in links}
    assert {u: s for u, s in refused.items() if s != 200} == {}


def test_viewer_has_no_admin_menu_and_advisor_no_survey_link(client, role_users):
    client.force_login(role_users["viewer"])
    nav = _nav(client.get(reverse("core:home")).content.decode())
    assert 'aria-expanded="false">管理</button>' not in nav  # the 管理 group (SAM's 「…資産管理」 may show)
    client.force_login(role_users["admin"])
    assert 'aria-expanded="false">管理</button>' in _nav(client.get(reverse("core:home")).content.decode())
    client.force_login(role_users["advisor"])
    nav = _nav(client.get(reverse("core:home")).content.decode())
    assert "調査票" not in nav


@pytest.mark.parametrize("role", ["viewer", "advisor", "auditor"])
def test_read_only_buttons_lead_somewhere(client, role_users, orgs, role):
    """Every link in the main part of the ledger pages a read-only role sees answers 200, not 403."""
    system = make_system(orgs["税務課"])
    make_server([system])
    make_cost(system)
    client.force_login(role_users[role])
    pages = [reverse("ledger:system_list"), reverse("ledger:server_list"), reverse("ledger:contract_list")]
    pages += [system.get_absolute_url() + f"?tab={t}" for t in ("overview", "karte", "servers", "costs")]
    pages.append(reverse("ledger:system_costs", args=[system.pk]))
    refused = {}
    for page in pages:
        html = client.get(page).content.decode()
        main = html[html.find('<main id="main"') : html.find("</main>")]
        for link in set(_links(html, main)):
            if "export=" in link:
                continue
            status = client.get(link).status_code
            if status in (403, 404, 405, 500):
                refused[f"{page} → {link}"] = status
    assert refused == {}
