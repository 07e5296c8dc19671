"""The backup practice through the division survey, in a real browser: the owner downloads the
division's workbook, answers the backup sheet (バックアップ実施状況) beside the ledger's sheets and
submits it; the IT policy admin sees the backup change in the same diff, applies it, and the system's
backup practice and its history show the change."""

import openpyxl
import pytest
from playwright.sync_api import expect

from saiteki.core.testing.axe import BLOCKING, describe, run_axe
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger import surveys
from saiteki.ledger.models import SurveyResponse
from saiteki.resilience.models import BackupPractice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHEET = "バックアップ実施状況"


def test_owner_answers_the_backup_sheet_and_admin_applies_it(
    browser, live_server, tmp_path, role_users, orgs, world
):
    # bypass_csp: axe-core is injected as a script, which the site's CSP rightly refuses.
    page = browser.new_context(locale="ja-JP", bypass_csp=True, accept_downloads=True).new_page()
    campaign = surveys.survey_campaign_create(user=role_users["admin"], fiscal_year=2026, title="台帳調査")
    response = SurveyResponse.objects.get(campaign=campaign, division=orgs["税務課"])

    login(page, live_server, "t-owner")
    page.goto(f"{live_server.url}/ledger/surveys/responses/{response.pk}/")
    with page.expect_download() as download_info:
        page.get_by_test_id("survey-download").click()
    original = tmp_path / "original.xlsx"
    download_info.value.save_as(original)
    wb = openpyxl.load_workbook(original)
    assert SHEET in wb.sheetnames
    ws = wb[SHEET]
    cols = {c.value: c.column for c in ws[1] if c.value}
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == ["S-OWN"]  # own division only
    ws.cell(2, cols["保管世代数"]).value = 14
    ws.cell(2, cols["遠隔地の保管先"]).value = "北海道データセンター"
    filled = tmp_path / "調査票_税務課_バックアップ.xlsx"
    wb.save(filled)

    page.get_by_label("取込ファイル").set_input_files(str(filled))
    page.get_by_test_id("survey-upload").click()
    expect(page.locator(".alert-success")).to_contain_text("調査票を提出しました。")
    expect(page.get_by_test_id("response-status")).to_have_text("回答済")
    assert BackupPractice.objects.get(system=world["own"]).generations == 7  # not before the admin applies

    login(page, live_server, "t-admin")
    page.goto(f"{live_server.url}/ledger/surveys/responses/{response.pk}/")
    expect(page.get_by_test_id("count-section-resilience.backup")).to_contain_text("1")
    changes = page.get_by_test_id("import-changes")
    expect(changes).to_contain_text(SHEET)
    expect(changes).to_contain_text("北海道データセンター")
    url = f"/ledger/surveys/responses/{response.pk}/"
    found = [("admin", "survey response", url, v) for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not found, describe(found)
    page.get_by_test_id("survey-apply").click()
    expect(page.locator(".alert-success").first).to_contain_text("税務課の調査票を台帳に反映しました")
    expect(page.locator(".alert-success", has_text="バックアップの実施状況")).to_contain_text("変更1件")

    practice = BackupPractice.objects.get(system=world["own"])
    assert (practice.generations, practice.offsite_location) == (14, "北海道データセンター")
    page.goto(f"{live_server.url}/ledger/systems/{world['own'].pk}/")
    page.get_by_test_id("tab-bcp").click()
    expect(page.locator("main")).to_contain_text("北海道データセンター")
