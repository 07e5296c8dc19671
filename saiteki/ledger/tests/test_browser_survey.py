"""The division survey in a real browser: the IT policy admin opens a survey, downloads a division's
workbook, uploads it changed, reviews the diff, applies it and finds the change in the system's history."""

import openpyxl
import pytest
from playwright.sync_api import expect

from saiteki.core.testing import make_org_tree, make_role_users
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_runs_a_survey_round_trip(page, live_server, tmp_path):
    orgs = make_org_tree()
    make_role_users(orgs)
    system = make_system(orgs["税務課"], number="TAX-001", name="県税総合システム")
    make_system(orgs["県立図書館"], number="LIB-001", name="図書館業務システム")

    login(page, live_server, "t-admin")
    page.goto(f"{live_server.url}/ledger/surveys/")
    form = page.get_by_test_id("survey-form")
    form.get_by_label("件名").fill("令和8年度 情報システム台帳調査")
    form.get_by_label("回答期限").fill("令和8年6月30日")
    page.get_by_test_id("survey-create").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "調査「令和8年度 情報システム台帳調査」を作成しました"
    )
    row = page.locator('[data-testid="survey-row"][data-division="税務課"]')
    expect(row).to_contain_text("未回答")

    with page.expect_download() as download_info:
        row.get_by_role("link", name="調査票").click()
    download = download_info.value
    assert download.suggested_filename.endswith("_税務課.xlsx")
    original = tmp_path / "original.xlsx"
    download.save_as(original)
    wb = openpyxl.load_workbook(original)
    ws = wb["情報システム"]
    headers = [c.value for c in ws[1]]
    assert ws.cell(2, 1).value == "TAX-001"
    ws.cell(2, headers.index("稼働形態") + 1).value = "ガバメントクラウド"
    filled = tmp_path / "調査票_税務課_記入済.xlsx"
    wb.save(filled)

    row.get_by_role("link", name="開く").click()
    page.get_by_label("取込ファイル").set_input_files(str(filled))
    page.get_by_test_id("survey-upload").click()
    expect(page.locator(".alert-success")).to_contain_text("調査票を提出しました。")
    expect(page.get_by_test_id("response-status")).to_have_text("回答済")

    changes = page.get_by_test_id("import-changes")
    expect(changes).to_contain_text("稼働形態")
    expect(changes).to_contain_text("オンプレミス物理")
    expect(changes).to_contain_text("ガバメントクラウド")
    expect(page.get_by_test_id("blank-policy")).to_have_text("空欄は変更しない")
    page.get_by_test_id("survey-apply").click()
    expect(page.locator(".alert-success")).to_contain_text("税務課の調査票を台帳に反映しました")
    expect(page.locator('[data-testid="survey-row"][data-division="税務課"]')).to_contain_text("反映済")

    page.goto(f"{live_server.url}/ledger/systems/{system.pk}/history/")
    history = page.get_by_test_id("history-table")
    expect(history).to_contain_text("Excel取込: 調査票_税務課_記入済.xlsx")
    expect(history).to_contain_text("t-admin")
