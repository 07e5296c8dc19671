"""The planner in a real browser (Debian Chromium via Playwright): an IT policy admin creates a
scenario over the shared platform's VMs, runs it, watches the progress bar, opens the result
(hosts, utilisation bars, rules, savings, waves chart) and exports the xlsx."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from saiteki.consolidation.models import ScenarioRun
from saiteki.core.testing import run_pending_tasks
from saiteki.core.testing.browser import browser_login as login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_creates_runs_and_exports_a_plan(page, live_server, role_users, ledger, host_model):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "t-admin")
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")

    page.goto(f"{live_server.url}/consolidation/scenarios/")
    page.get_by_role("link", name="新規登録").click()
    page.get_by_label("シナリオ名").fill("統合基盤の更改（ブラウザ試験）")
    page.get_by_label("計画開始年度").fill("R9")
    page.get_by_label("対象の選び方").select_option(label="共通基盤（仮想化サーバ）上の仮想マシン")
    page.get_by_label("需要の算定").select_option(label="割当量（vCPU・メモリ・ストレージ）")
    page.get_by_label("ホストモデル").select_option(label="標準ホスト")
    page.get_by_test_id("advanced-settings").locator("summary").click()  # 詳細設定 is folded
    page.get_by_label("計算時間の上限（秒）").fill("2")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("scenario-title")).to_have_text("統合基盤の更改（ブラウザ試験）")
    expect(page.get_by_test_id("preview-machines")).to_have_text("3")

    page.get_by_test_id("run-scenario").click()
    expect(page.get_by_test_id("run-status-panel")).to_be_visible()
    expect(page.get_by_role("progressbar", name="進捗")).to_be_visible()
    expect(page.get_by_test_id("cancel-run")).to_be_visible()
    run = ScenarioRun.objects.get()
    assert run.status == "queued"

    run_pending_tasks()  # the worker, in this process, on the real database queue

    # The panel polls every second; when the run is done the page shows the result by itself.
    expect(page.get_by_test_id("run-status")).to_have_text("完了", timeout=15_000)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("before-after")).to_contain_text("機器 3台（現行ホスト2台）")
    expect(page.get_by_test_id("before-after")).to_contain_text("新ホスト 3台")
    expect(page.get_by_test_id("optimal")).to_contain_text("証明済み")
    expect(page.get_by_test_id("host-card")).to_have_count(3)
    expect(page.get_by_test_id("host-segment").first).to_have_text("LGWAN接続系")
    expect(page.get_by_test_id("host-systems").first).to_contain_text("税務システム")
    expect(page.get_by_role("progressbar", name="vCPUの使用率").first).to_be_visible()
    expect(page.get_by_test_id("rules-table")).to_contain_text("冗長化グループを別々のホストに配置")
    expect(page.get_by_test_id("savings-table")).to_contain_text("×")
    expect(page.get_by_test_id("waves-table")).to_contain_text("令和9年度")
    expect(page.locator("#wave-chart")).to_be_visible()

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and "サーバ集約計画" in download.suggested_filename
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "ホスト別配置" in wb.sheetnames and "削減効果" in wb.sheetnames
    # Row 1 names the run, row 2 is the header, then one row per placed machine.
    assert wb["ホスト別配置"]["C2"].value == "機器名" and wb["ホスト別配置"].max_row == 5
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
