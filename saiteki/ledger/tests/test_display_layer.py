"""Issue 8 leftovers: detail pages, the server list's date filter and the karte go through the display
layer, so Japanese mode shows 和暦 and yen and English mode shows ISO dates, ¥ and English names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from saiteki.ledger.tests.factories import ContractFactory, make_cost, make_server, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _japanese_again():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_contract_detail_fields_read_as_people_read_them(client, orgs, role_users):
    system = make_system(orgs["税務課"], number="D-001")
    contract = ContractFactory(
        systems=[system], amount=12_345_678, start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31)
    )
    client.force_login(role_users["admin"])
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "12,345,678円" in page and "令和8年4月1日" in page
    _english(client)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "¥12,345,678" in page and "2026-04-01" in page and "令和" not in page


def test_server_list_date_filter_reads_wareki_and_shows_iso_in_english(client, orgs, role_users):
    system = make_system(orgs["税務課"], number="D-002")
    make_server([system], name="ends-march", maintenance_end=dt.date(2027, 3, 31))
    make_server([system], name="ends-april", maintenance_end=dt.date(2027, 4, 1))
    client.force_login(role_users["admin"])
    url = reverse("ledger:server_list")
    page = client.get(url, {"maintenance_end_before": "令和9年3月31日"}).content.decode()
    assert "ends-march" in page and "ends-april" not in page
    page = client.get(url, {"maintenance_end_before": "R9.3.31"}).content.decode()
    assert "ends-march" in page and "ends-april" not in page
    assert 'value="R9.3.31"' in page  # the filter keeps what was typed
    _english(client)
    page = client.get(url, {"maintenance_end_before": "2027-03-31"}).content.decode()
    assert "ends-march" in page and "ends-april" not in page
    assert 'value="2027-03-31"' in page and "令和9年" not in page


def test_date_inputs_show_iso_dates_in_english(client, orgs, role_users):
    """A form's date (the initial value, not typed) is 和暦 for Japanese readers and ISO in English."""
    from saiteki.core.forms import WarekiDateInput

    widget = WarekiDateInput(style="wareki")
    assert widget.format_value(dt.date(2027, 3, 31)) == "令和9年3月31日"
    with translation.override("en"):
        assert widget.format_value(dt.date(2027, 3, 31)) == "2027-03-31"


def test_unreadable_filter_date_is_an_error_not_every_row(client, orgs, role_users):
    system = make_system(orgs["税務課"], number="D-003")
    make_server([system], name="some-server", maintenance_end=dt.date(2027, 3, 31))
    client.force_login(role_users["admin"])
    response = client.get(reverse("ledger:server_list"), {"maintenance_end_before": "いつか"})
    assert "some-server" not in response.content.decode()


def test_karte_names_changed_objects_in_the_readers_language(client, orgs, role_users):
    system = make_system(orgs["税務課"], number="D-004")
    make_cost(system, fiscal_year=2026, category="operation", stage="budget", amount=1_000)
    client.force_login(role_users["admin"])
    karte = system.get_absolute_url() + "?tab=karte"
    assert "運用" in client.get(karte).content.decode()
    _english(client)
    page = client.get(karte).content.decode()
    with translation.override("en"):
        from saiteki.ledger.models import Cost

        english = str(Cost.objects.get(system=system))
    assert english in page


def test_footer_is_one_translatable_phrase(client, role_users):
    client.force_login(role_users["admin"])
    page = client.get(reverse("core:home")).content.decode()
    footer = page[page.index("<footer") : page.index("</footer>")]
    assert "表示年度" in footer and 'data-testid="fy-label"' in footer
