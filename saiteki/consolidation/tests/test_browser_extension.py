"""The Mie-style extension in a real browser (Debian Chromium via Playwright): demo-admin's role builds
a scenario that starts from the shared platform as it is and adds on-premise systems as candidates,
runs it and watches the live status, reads which candidates fit now, adopts the plan after the
confirmation page, moves one system in the ledger (hosting form, then its old server) and sees it
counted as done on the plan."""

import pytest
from playwright.sync_api import expect

from saiteki.consolidation.models import ScenarioRun
from saiteki.core.testing import run_pending_tasks

from .conftest import FY
from .test_browser_planner import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_extends_the_platform_adopts_and_sees_a_move_done(
    page, live_server, role_users, ledger, staged, host_model
):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "t-admin")
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")

    page.goto(f"{live_server.url}/consolidation/scenarios/add/")
    page.get_by_label("シナリオ名").fill("統合基盤の拡張（ブラウザ試験）")
    page.get_by_label("計画開始年度").fill(str(FY + 1))
    page.get_by_label("対象の選び方").select_option(label="台帳の条件で選ぶ")
    page.get_by_label("機器の種別").select_option(label="物理サーバ")
    page.get_by_label("既存の共通基盤から始める").check()
    page.get_by_label("既存の仮想マシン").select_option(label="基盤内で再配置してよい")
    page.get_by_label("既存ホストの保守延長（年）").fill("3")
    page.get_by_label("需要の算定").select_option(label="割当量（vCPU・メモリ・ストレージ）")
    page.get_by_label("ホストモデル").select_option(label="標準ホスト")
    page.get_by_label("購入の計画").select_option(label="年度別（移行する年度に必要な分だけ購入）")
    page.get_by_label("計画・削減効果の期間（年度数）").fill("3")
    page.get_by_label("移行経費（機器1台あたり・円）").fill("１０万")  # full-width digits and 万
    advanced = page.get_by_test_id("advanced-settings")
    advanced.locator("summary").click()
    expect(page.get_by_test_id("engine-version")).to_contain_text("src-")
    page.get_by_label("計算時間の上限（秒）").fill("2")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("scenario-title")).to_have_text("統合基盤の拡張（ブラウザ試験）")
    expect(page.get_by_test_id("preview-platform-hosts")).to_have_text("2")
    expect(page.get_by_test_id("preview-machines")).to_have_text("4")

    page.get_by_test_id("run-scenario").click()
    expect(page.get_by_test_id("run-status-panel")).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_have_text("待機中")
    run = ScenarioRun.objects.get()
    assert run.scenario.migration_cost_per_machine == 100_000

    run_pending_tasks()  # the worker, in this process, on the real database queue

    # The badge follows the run and the page shows the result by itself when it is done.
    expect(page.get_by_test_id("run-status")).to_have_text("完了", timeout=20_000)
    expect(page.get_by_test_id("extension-summary")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("fit-count")).to_contain_text("システム")
    expect(page.get_by_test_id("existing-hosts")).to_contain_text("VH-1")
    expect(page.get_by_test_id("plan-table")).to_contain_text("令和")
    expect(page.locator("#plan-chart")).to_be_visible()
    expect(page.get_by_test_id("host-systems").first).to_contain_text("システム")

    page.get_by_test_id("adopt").click()
    expect(page.get_by_test_id("adopt-systems")).to_contain_text("S005 電子申請システム")
    page.get_by_test_id("adopt-confirm").click()
    expect(page.get_by_test_id("adopted-badge")).to_be_visible()
    expect(page.get_by_test_id("progress-summary")).to_contain_text("移行済み 0／")

    # The owner's record of the move: the system runs on the shared platform, its old server is gone.
    system = staged["a"]
    page.goto(f"{live_server.url}/ledger/systems/{system.pk}/edit/")
    page.get_by_label("稼働形態").select_option(label="共通基盤（仮想化サーバ）")
    page.get_by_test_id("edit-form").get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("karte-title")).to_contain_text("電子申請システム")
    page.goto(f"{live_server.url}/ledger/servers/{staged['sv_a'].pk}/delete/")
    page.get_by_label("削除の理由").fill("共通基盤へ移行")
    page.get_by_role("button", name="削除する").click()

    page.goto(f"{live_server.url}{run.get_absolute_url()}#progress")
    row = page.get_by_test_id("progress-system").filter(has_text="S005 電子申請システム")
    expect(row.get_by_test_id("progress-state")).to_have_text("移行済み")
    expect(page.get_by_test_id("progress-summary")).to_contain_text("移行済み 1／")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
