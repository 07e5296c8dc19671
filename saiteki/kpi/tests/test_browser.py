"""In a real browser (Debian Chromium): the committee viewer lands on the dashboard, switches years,
drills into a KPI and downloads the annual report; the owner's landing page shows only its division."""

import pytest
from playwright.sync_api import expect

from saiteki.accounts.choices import Role
from saiteki.core.testing import make_user
from saiteki.core.testing.browser import browser_login as login
from saiteki.kpi import services
from saiteki.kpi.models import KpiDefinition, KpiReport, Plan
from saiteki.ledger.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(orgs, dated):
    admin = make_user("demo-admin", Role.ADMIN, orgs["情報政策課"])
    make_user("demo-viewer", Role.VIEWER)
    make_user("demo-owner", Role.OWNER, orgs["税務課"])
    with dated(2012, 4, 1):
        make_system(orgs["税務課"], number="S001", name="税務総合システム", hosting_form="commercial_cloud")
        make_system(orgs["教育政策課"], number="S002", name="教職員システム", hosting_form="shared_platform")
        make_system(orgs["教育政策課"], number="S003", name="図書館システム")
        make_system(
            orgs["情報政策課"], number="S004", name="文書管理システム", hosting_form="shared_platform"
        )
    plan = Plan.objects.create(code="p", name="第二次計画", start_fy=2014, end_fy=2016)
    KpiDefinition.objects.create(
        code="cloud_ratio",
        name="クラウドサービス利用割合",
        unit="%",
        target=5,
        plan=plan,
        source_key="ledger.cloud_ratio",
    )
    KpiDefinition.objects.create(
        code="virtualized_systems",
        name="仮想化サーバ利用システム数",
        unit="システム",
        target=1,
        plan=plan,
        source_key="ledger.virtualized_systems",
    )
    services.fiscal_year_close(fiscal_year=2013, user=admin)
    report = KpiReport.objects.create(fiscal_year=2013, requested_by=admin)
    services.kpi_report_generate(report_id=report.pk)


def test_viewer_dashboard_year_switch_drill_down_and_report(page, live_server, demo):
    login(page, live_server, "demo-viewer")
    expect(page.get_by_test_id("home-title")).to_be_visible()
    expect(page.get_by_test_id("kpi-table")).to_be_visible()
    page.get_by_test_id("kpi-fy").select_option("2013")
    expect(page.get_by_test_id("year-closed")).to_be_visible()
    expect(page.get_by_test_id("kpi-value-cloud_ratio")).to_have_text("25%")
    expect(page.get_by_test_id("kpi-value-virtualized_systems")).to_have_text("2システム")
    page.get_by_test_id("kpi-evidence-cloud_ratio").click()
    expect(page.get_by_test_id("evidence-closed")).to_be_visible()
    expect(page.get_by_test_id("evidence-records")).to_contain_text("S001 税務総合システム")
    expect(page.get_by_test_id("evidence-records").locator("tbody tr")).to_have_count(1)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("reports-link").click()
    with page.expect_download() as info:
        page.get_by_test_id("report-pdf").first.click()
    assert info.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as info:
        page.get_by_test_id("report-xlsx").first.click()
    assert info.value.suggested_filename.endswith(".xlsx")
    assert "監査ログ" not in page.locator("nav#nav").inner_text()


def test_owner_landing_shows_only_its_division(page, live_server, demo):
    login(page, live_server, "demo-owner")
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text("税務課")
    expect(page.get_by_test_id("systems-total")).to_have_text("1")
    expect(page.get_by_test_id("kpi-table")).to_have_count(0)
