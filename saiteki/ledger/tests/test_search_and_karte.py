"""Japanese free-text search (incl. 1–2 character words) and the karte timeline."""

import pathlib

import pytest
from django.urls import reverse

from saiteki.core.context import change_context
from saiteki.core.models import JournalEntry
from saiteki.ledger.selectors import karte_timeline, systems_search
from saiteki.ledger.tests.factories import make_cost, make_server, make_system

ROOT = pathlib.Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.django_db


@pytest.fixture
def systems(orgs):
    return [
        make_system(orgs["税務課"], name="県税総合システム", business="県税の賦課・徴収"),
        make_system(orgs["税務課"], name="自動車税システム"),
        make_system(orgs["県立図書館"], name="県立図書館業務システム", purpose="図書の貸出"),
        make_system(orgs["教育政策課"], name="学校管理システム"),
    ]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("税", {"県税総合システム", "自動車税システム"}),  # one character
        ("図書", {"県立図書館業務システム"}),  # two characters
        ("賦課", {"県税総合システム"}),  # two characters, in another field
        ("学校管理", {"学校管理システム"}),
        ("県税　総合", {"県税総合システム"}),  # full-width space: every word must match
        ("ｘｙｚ", set()),
    ],
)
def test_search_finds_short_japanese_words(role_users, systems, word, expected):
    found = {s.name for s in systems_search(user=role_users["admin"], text=word)}
    assert found == expected


def test_search_respects_the_owner_scope(role_users, systems):
    assert {s.name for s in systems_search(user=role_users["owner"], text="システム")} == {
        "県税総合システム",
        "自動車税システム",
    }


def test_list_page_search_and_filters(client, role_users, systems):
    client.force_login(role_users["admin"])
    page = client.get(reverse("ledger:system_list"), {"q": "税"}).content.decode()
    assert "県税総合システム" in page and "学校管理システム" not in page
    page = client.get(
        reverse("ledger:system_list"), {"bureau": systems[3].owning_division.parent_id}
    ).content.decode()
    assert "学校管理システム" in page and "県税総合システム" not in page


def test_karte_timeline_has_entries_and_child_changes(role_users, systems):
    system = systems[0]
    admin = role_users["admin"]
    with change_context(user=admin, reason="保守延長"):
        server = make_server([system], name="sv-tax-1")
        server.cpu_peak_pct = 55
        server.save()
        make_cost(system, amount=1_234_000)
    JournalEntry.objects.create(object=system, kind="incident", date="2026-05-01", title="夜間バッチ異常終了")
    timeline = karte_timeline(system=system)
    kinds = {item.kind for item in timeline}
    assert {"journal", "system", "server", "cost"} <= kinds
    server_changes = karte_timeline(system=system, kind="server")
    assert server_changes and all(i.kind == "server" for i in server_changes)
    assert any(i.change.reason == "保守延長" for i in server_changes)


def test_karte_page_renders_every_tab(client, role_users, systems):
    client.force_login(role_users["owner"])
    system = systems[0]
    make_cost(system, fiscal_year=2025, amount=2_000_000)
    for tab in ("overview", "karte", "servers", "components", "contracts", "costs"):
        response = client.get(system.get_absolute_url(), {"tab": tab})
        assert response.status_code == 200, tab
    assert "2,000,000円" in client.get(system.get_absolute_url(), {"tab": "costs"}).content.decode()


def test_a_wrong_filter_shows_nothing_and_says_why(client, role_users, systems):
    client.force_login(role_users["admin"])
    response = client.get(reverse("ledger:system_list"), {"bureau": 999999})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="result-count">0件' in page and "県税総合システム" not in page
    assert "正しく選択してください" in page


def test_totals_row_sums_the_listed_systems(client, role_users, systems):
    client.force_login(role_users["admin"])
    fy = client.get(reverse("ledger:system_list")).wsgi_request.fiscal_year
    make_cost(systems[0], fiscal_year=fy, amount=1_000_000)
    make_cost(systems[1], fiscal_year=fy, amount=234_000)
    make_cost(systems[2], fiscal_year=fy, amount=9_000_000)
    page = client.get(reverse("ledger:system_list"), {"q": "税"}).content.decode()
    assert "1,234,000円" in page


def test_karte_panels_come_from_the_registry(client, role_users, systems):
    """Capabilities add karte sections and tabs by declaring panels; the ledger names none of them."""
    client.force_login(role_users["owner"])
    system = systems[0]
    page = client.get(system.get_absolute_url()).content.decode()
    assert 'data-testid="tab-gadgets"' in page  # the test plugin's own tab …
    assert 'data-testid="plugin-panel"' not in page  # … whose panel shows only on that tab
    page = client.get(system.get_absolute_url(), {"tab": "gadgets"}).content.decode()
    assert f"ガジェット欄: {system.number}" in page
    template = (ROOT / "saiteki/ledger/templates/ledger/system_detail.html").read_text()
    assert "lifecycle" not in template and "reviews" not in template and "knowledge" not in template
