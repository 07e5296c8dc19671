"""In a real browser (Debian Chromium): the demo owner sees a past-EOL component on the karte of their
own system; the demo admin opens the renewal forecast and exports it."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from saiteki.accounts.choices import Role
from saiteki.core.testing import make_user
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.models import System
from saiteki.ledger.tests.factories import make_cost, make_server, make_system
from saiteki.lifecycle import services
from saiteki.lifecycle.demo import load_lifecycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(orgs):
    make_user("demo-admin", Role.ADMIN, orgs["情報政策課"])
    make_user("demo-owner", Role.OWNER, orgs["税務課"])
    services.catalogue_load_shipped()
    for i, division in enumerate(["税務課", "県立図書館", "教育政策課", "情報政策課"] * 8):
        s = make_system(orgs[division], number=f"S{i:03d}", name=f"デモシステム{i}")
        make_server([s], name=f"sv-{i}", kind="physical")
        make_cost(
            s, fiscal_year=2019, category="design_dev", stage="actual", amount=10_000_000 + i * 1_000_000
        )
    load_lifecycle()


def test_owner_sees_a_past_eol_component_on_the_karte(page, live_server, demo):
    system = System.objects.filter(components__product="Windows Server 2012 R2").order_by("number").first()
    assert system.owning_division.name == "税務課"
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/ledger/systems/{system.pk}/")
    section = page.get_by_test_id("karte-risk")
    expect(section).to_be_visible()
    expect(page.get_by_test_id("karte-risk-status")).to_have_text("サポート終了（稼働中）")
    row = section.locator("tr[data-status=past_eol]").first
    expect(row).to_contain_text("Windows Server 2012 R2")
    page.get_by_test_id("karte-risk-link").click()
    expect(page.get_by_test_id("system-risk-title")).to_contain_text(system.number)


def test_admin_opens_the_renewal_forecast_and_exports_it(page, live_server, demo):
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}/lifecycle/forecast/")
    expect(page.get_by_test_id("forecast-title")).to_contain_text("更改予測")
    expect(page.get_by_test_id("forecast-rows").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("forecast-total")).not_to_have_text("0")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    data = open(info.value.path(), "rb").read()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["部局別・年度別", "システム別"]
    numbers = [row[3] for row in wb["システム別"].iter_rows(values_only=True)]
    assert any(str(n).startswith("S0") for n in numbers)
