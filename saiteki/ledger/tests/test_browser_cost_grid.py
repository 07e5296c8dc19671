"""The cost grid in a real browser: live totals while typing, and two officers saving from the same
page (the second one's stale form neither deletes the first one's cell nor loses its own input)."""

import pytest
from playwright.sync_api import expect

from saiteki.core.testing import make_org_tree, make_role_users
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.models import Cost
from saiteki.ledger.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fy(page) -> int:
    return int(page.locator("tbody tr[data-fy]").last.get_attribute("data-fy")) - 1


def test_live_totals_and_stale_grid_conflict(browser, live_server):
    orgs = make_org_tree()
    make_role_users(orgs)
    system = make_system(orgs["税務課"], name="県税総合システム")
    url = f"{live_server.url}/ledger/systems/{system.pk}/costs/"

    a = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    b = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(a, live_server, "t-owner")
    login(b, live_server, "t-admin")
    a.goto(url)
    b.goto(url)
    fy = _fy(a)

    # Live totals: typing updates the row, column and grand totals before saving.
    row = a.locator(f'tr[data-fy="{fy}"]')
    a.get_by_label(f"令和{fy - 2018}年度 ハードウェア保守").fill("1,200")
    a.get_by_label(f"令和{fy - 2018}年度 ソフトウェア保守").fill("３００")
    expect(row.locator("[data-total=row]")).to_have_text("1,500円")
    expect(a.get_by_test_id("grand-total")).to_have_text("1,500円")
    a.get_by_test_id("save-costs").click()
    expect(a.locator(".alert-success")).to_contain_text("経費を保存しました")

    # B still has the page from before A saved: saving another cell keeps A's amounts.
    b.get_by_label(f"令和{fy - 2018}年度 データ移行").fill("5,000")
    b.get_by_test_id("save-costs").click()
    expect(b.locator(".alert-success")).to_contain_text("経費を保存しました")
    amounts = dict(Cost.objects.filter(system=system).values_list("category", "amount"))
    assert amounts == {"hw_maintenance": 1200, "sw_maintenance": 300, "migration": 5000}

    # A edits a cell B changed meanwhile: a conflict that names the stored amount and keeps A's input.
    b.get_by_label(f"令和{fy - 2018}年度 ハードウェア保守").fill("2,000")
    b.get_by_test_id("save-costs").click()
    expect(b.locator(".alert-success")).to_be_visible()
    a.get_by_label(f"令和{fy - 2018}年度 ハードウェア保守").fill("1,800")
    a.get_by_test_id("save-costs").click()
    expect(a.locator(".alert-danger")).to_contain_text("他の利用者が同じ欄を先に更新しました")
    cell = a.get_by_label(f"令和{fy - 2018}年度 ハードウェア保守")
    expect(cell).to_have_value("1,800")
    expect(a.locator(".invalid-feedback").first).to_contain_text("2,000円")
    assert Cost.objects.get(system=system, category="hw_maintenance").amount == 2000


def test_viewer_sees_amounts_without_inputs(browser, live_server):
    orgs = make_org_tree()
    make_role_users(orgs)
    system = make_system(orgs["税務課"])
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(page, live_server, "t-viewer")
    page.goto(f"{live_server.url}/ledger/systems/{system.pk}/costs/")
    expect(page.get_by_test_id("cost-grid")).to_be_visible()
    assert page.locator("td input").count() == 0
    expect(page.get_by_text("円単位")).to_have_count(0)
