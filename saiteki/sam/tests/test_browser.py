"""SAM in a real browser (Debian Chromium), as its users work with it, on the demo estate scaled down:

- the demo owner (税務課) answers the yearly inventory: corrects one device's user, confirms the rest
  and completes the task; the demo admin then sees the campaign's rate move and a shortfall on the
  dashboard;
- the admin starts a reconciliation from the dashboard, the worker runs it, and the run's page shows
  per title the 所属 rows that add up to it, with the devices behind a consumption figure;
- the admin imports an inventory tool's scan as a real .xlsx through the import pages: a bad file is
  refused by line and changes nothing, the corrected one is applied and shows on the device's page;
- the main SAM pages have no serious accessibility violations (axe-core, WCAG 2.1 A/AA) for the
  admin, the owner and a viewer.
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from saiteki.accounts.choices import Role
from saiteki.core.testing import make_user, run_pending_tasks
from saiteki.core.testing.axe import BLOCKING, describe, run_axe, session_cookie
from saiteki.core.testing.browser import browser_login as login
from saiteki.sam import selectors, services
from saiteki.sam.choices import CorrectionKind, ItemStatus, TaskState
from saiteki.sam.demo import load_sam
from saiteki.sam.models import Device, Installation, InventoryTask, ReconciliationRow, ReconciliationRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(orgs):
    users = {
        "admin": make_user("demo-admin", Role.ADMIN, orgs["情報政策課"]),
        "owner": make_user("demo-owner", Role.OWNER, orgs["税務課"]),
        "viewer": make_user("demo-viewer", Role.VIEWER),
    }
    load_sam(pcs=48, staff=30)
    return users


def rate_text(progress) -> str:
    return f"完了率 {progress.rate}%（{progress.completed}／{progress.tasks}所属）"


def test_owner_completes_the_inventory_task_and_the_admin_sees_the_rate_move(
    browser, live_server, demo, orgs
):
    campaign = selectors.current_campaign()
    task = InventoryTask.objects.get(campaign=campaign, division=orgs["税務課"])
    assert task.state == TaskState.OPEN
    before = selectors.campaign_progress(campaign=campaign)
    assert before.completed < before.tasks
    run = selectors.latest_run()
    assert run is not None and run.shortfall > 0  # the demo's licences fall short somewhere

    admin = browser.new_context(locale="ja-JP").new_page()
    login(admin, live_server, "demo-admin")
    admin.goto(f"{live_server.url}{reverse('sam:dashboard')}")
    expect(admin.get_by_test_id("campaign-rate")).to_have_text(rate_text(before))
    expect(admin.get_by_test_id("total-shortfall")).to_contain_text(f"{run.shortfall:,}")
    short = admin.get_by_test_id("compliance-by-title").locator("tbody tr[data-short]")
    expect(short.first).to_be_visible()
    assert short.count() == sum(1 for f in selectors.run_by_title(run=run, user=demo["admin"]) if f.shortfall)

    owner = browser.new_context(locale="ja-JP").new_page()
    login(owner, live_server, "demo-owner")
    owner.goto(f"{live_server.url}{reverse('sam:campaign_list')}")
    owner.get_by_role("link", name=re.compile("税務課")).first.click()
    expect(owner.get_by_test_id("task-title")).to_contain_text("税務課 の棚卸")
    expect(owner.get_by_test_id("task-complete")).to_be_disabled()  # devices still to confirm
    items = owner.get_by_test_id("task-items").locator("tbody tr")
    # Only the 所属's own devices are listed.
    own = set(Device.objects.filter(division=orgs["税務課"]).values_list("hostname", flat=True))
    listed = set(items.evaluate_all("rows => rows.map(r => r.dataset.hostname)"))
    assert listed and listed <= own

    # The first device is used by someone else: 修正あり / 利用者が違う with the right user.
    first = items.first
    hostname = first.get_attribute("data-hostname")
    first.get_by_label("確認結果").select_option(label="修正あり")
    first.get_by_label("修正の種類").select_option(label="利用者が違う")
    first.get_by_label("正しい利用者（職員番号）").fill("K09999")
    first.get_by_label("補足").fill("4月の異動で交代")
    first.get_by_test_id("item-save").click()
    corrected = owner.locator(f'tr[data-hostname="{hostname}"]')
    expect(corrected).to_have_attribute("data-status", ItemStatus.CORRECTED)
    expect(corrected).to_contain_text("K09999")

    owner.get_by_test_id("confirm-all").click()
    expect(owner.locator(".alert-success")).to_contain_text("確認済みにしました")
    owner.get_by_label("情報政策課への報告（任意）").fill("1台の利用者を修正しました。")
    owner.get_by_test_id("task-complete").click()
    expect(owner.locator(".alert-success")).to_contain_text("棚卸を完了しました")
    expect(owner.get_by_test_id("task-state")).to_have_text("完了")

    task.refresh_from_db()
    assert task.state == TaskState.COMPLETED
    item = task.items.get(hostname=hostname)
    assert (item.status, item.correction, item.reported_user) == (
        ItemStatus.CORRECTED,
        CorrectionKind.WRONG_USER,
        "K09999",
    )
    assert not task.items.filter(status=ItemStatus.PENDING).exists()

    after = selectors.campaign_progress(campaign=campaign)
    assert after.completed == before.completed + 1
    admin.reload()
    expect(admin.get_by_test_id("campaign-rate")).to_have_text(rate_text(after))
    assert after.rate > before.rate


def test_admin_runs_a_reconciliation_and_reads_titles_by_division(page, live_server, demo, orgs):
    runs = ReconciliationRun.objects.count()
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}{reverse('sam:dashboard')}")
    page.get_by_test_id("run-start").click()
    expect(page.locator(".alert-info")).to_contain_text("ライセンス照合を開始しました")
    run_pending_tasks()  # the worker
    assert ReconciliationRun.objects.count() == runs + 1
    run = selectors.latest_run()
    page.goto(f"{live_server.url}{reverse('sam:run_list')}")
    page.get_by_test_id("run-list").locator("tbody tr").first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/sam/runs/{run.pk}/"))

    # Each title's figures are the sums of its 所属 rows, on the page as in the database.
    # The page lists titles most short first: the first is the one with the largest shortfall.
    figures = selectors.run_by_title(run=run, user=demo["admin"], with_divisions=True)
    fig = min(figures, key=lambda f: (-f.shortfall, f.title.name))
    assert fig.shortfall > 0
    expect(page.get_by_test_id("run-title").first).to_have_attribute("data-title-id", str(fig.title.pk))
    title_row = page.locator(f'tr[data-testid="run-title"][data-title-id="{fig.title.pk}"]')
    expect(title_row).to_contain_text(fig.title.name)
    rows = ReconciliationRow.objects.filter(run=run, title=fig.title)
    assert fig.shortfall == sum(r.shortfall for r in rows)
    assert fig.consumed == sum(r.consumed for r in rows)
    expect(title_row.get_by_test_id("title-shortfall")).to_contain_text(f"{fig.shortfall:,}")
    division_rows = page.locator(f'tr[data-division-row][data-title-id="{fig.title.pk}"]')
    expect(division_rows).to_have_count(rows.count())

    # The devices behind the title's consumption.
    page.goto(f"{live_server.url}{reverse('sam:devices_behind', args=[fig.title.pk])}")
    behind = selectors.devices_behind(title=fig.title, division_id=None, user=demo["admin"])
    expect(page.get_by_test_id("devices-behind").locator("tbody tr")).to_have_count(behind.count())
    expect(page.get_by_test_id("result-count")).to_have_text(str(behind.count()))


def _scan_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "スキャン結果"
    ws.append(["ホスト名", "ソフトウェア名", "バージョン", "インストール日", "利用者"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_admin_imports_a_scan_xlsx_a_bad_file_changes_nothing(page, live_server, demo, orgs, tmp_path):
    device = Device.objects.filter(division=orgs["県立図書館"], kind="pc").order_by("hostname").first()
    before = list(
        Installation.objects.filter(device=device, active=True).order_by("pk").values_list("pk", flat=True)
    )
    assert before
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}{reverse('sam:scan_list')}")
    page.get_by_test_id("scan-import").click()

    bad = _scan_xlsx(
        tmp_path / "scan_bad.xlsx",
        [
            (device.hostname, "一太郎2023", "33.0", "2025-04-01", "K00001"),
            (device.hostname, "", "1.0", "2025-04-01", ""),  # no software name: line 3
            (device.hostname, "ATOK for Windows", "33.0", "2025-13-45", ""),  # no such date: line 4
        ],
    )
    page.get_by_label("取込ファイル").set_input_files(str(bad))
    page.get_by_test_id("import-check").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("3")
    expect(errors).to_contain_text("4")
    expect(page.get_by_test_id("import-apply")).to_be_disabled()
    assert (
        list(
            Installation.objects.filter(device=device, active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        == before
    )

    good = _scan_xlsx(
        tmp_path / "scan_good.xlsx",
        [
            (device.hostname, "一太郎２０２３", "33.0", "2025-04-01", "K00001"),
            (device.hostname, "ATOK for Windows", "33.0", "2025-04-02", "K00001"),
            (device.hostname, "Microsoft Office Professional Plus 2019 - ja-jp", "16.0.10827", "", "K00001"),
        ],
    )
    page.goto(f"{live_server.url}{reverse('core:import_upload', args=['sam.scans'])}")
    page.get_by_label("取込ファイル").set_input_files(str(good))
    page.get_by_test_id("import-check").click()
    expect(page.get_by_test_id("import-errors")).to_have_count(0)
    page.get_by_test_id("import-apply").click()
    expect(page.get_by_test_id("import-applied")).to_be_visible()

    now = Installation.objects.filter(device=device, active=True)
    office = "Microsoft Office Professional Plus 2019 - ja-jp"
    ids, _n = services.names_resolve(["一太郎２０２３", "ATOK for Windows", office], create=False)
    assert sorted(now.values_list("name_id", flat=True)) == sorted(ids.values())
    assert {"一太郎２０２３", "ATOK for Windows"} <= set(now.values_list("raw_name", flat=True))
    # The scan replaced the device's other programs and kept them as history (closed, not deleted).
    kept = set(now.values_list("pk", flat=True))
    closed = Installation.objects.filter(pk__in=before).exclude(pk__in=kept)
    assert closed.count() == len(set(before) - kept) > 0
    assert not closed.filter(active=True).exists()
    page.goto(f"{live_server.url}{device.get_absolute_url()}")
    software = page.get_by_test_id("device-installations")
    expect(software).to_contain_text("一太郎２０２３")
    expect(software).to_contain_text("ATOK for Windows")


def test_sam_pages_have_no_serious_accessibility_violations(browser, live_server, demo, orgs):
    run = selectors.latest_run()
    campaign = selectors.current_campaign()
    task = InventoryTask.objects.get(campaign=campaign, division=orgs["税務課"])
    device = Device.objects.filter(division=orgs["税務課"]).order_by("hostname").first()
    title = ReconciliationRow.objects.filter(run=run, shortfall__gt=0).first().title
    pages = {
        "dashboard": reverse("sam:dashboard"),
        "run": reverse("sam:run_detail", args=[run.pk]),
        "titles": reverse("sam:title_list"),
        "title": reverse("sam:title_detail", args=[title.pk]),
        "devices behind": reverse("sam:devices_behind", args=[title.pk]),
        "entitlements": reverse("sam:entitlement_list"),
        "devices": reverse("sam:device_list"),
        "device": reverse("sam:device_detail", args=[device.pk]),
        "campaigns": reverse("sam:campaign_list"),
        "campaign": reverse("sam:campaign_detail", args=[campaign.pk]),
        "task": reverse("sam:task_detail", args=[task.pk]),
        "offers": reverse("sam:offer_list"),
    }
    admin_only = {
        "names": reverse("sam:name_list"),
        "scan import": reverse("core:import_upload", args=["sam.scans"]),
        "audits": reverse("sam:audit_list"),
    }
    found = []
    for role in ("admin", "owner", "viewer"):
        context = browser.new_context(locale="ja-JP", bypass_csp=True)
        context.add_cookies([session_cookie(demo[role], live_server)])
        page = context.new_page()
        todo = {**pages, **(admin_only if role == "admin" else {})}
        for name, url in todo.items():
            response = page.goto(f"{live_server.url}{url}")
            if role == "viewer" and name == "task" and response.status in (403, 404):
                continue  # a viewer has no 所属 task to open
            assert response is not None and response.status == 200, (role, name, response.status)
            found.extend((role, name, url, v) for v in run_axe(page) if v["impact"] in BLOCKING)
        context.close()
    assert not found, describe(found)
