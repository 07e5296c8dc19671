"""In a real browser (Debian Chromium): the demo owner opens the BCP tab of their own system, records a
restore test and the system becomes compliant; the dashboard and the main resilience pages have no
serious accessibility violations (axe-core, WCAG 2.1 A/AA)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from saiteki.accounts.choices import Role
from saiteki.core.testing import make_user
from saiteki.core.testing.axe import BLOCKING, describe, run_axe, session_cookie
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.models import System
from saiteki.ledger.tests.factories import make_system
from saiteki.resilience import selectors
from saiteki.resilience.demo import load_resilience
from saiteki.resilience.models import BackupPractice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(orgs):
    users = {
        "admin": make_user("demo-admin", Role.ADMIN, orgs["情報政策課"]),
        "owner": make_user("demo-owner", Role.OWNER, orgs["税務課"]),
        "viewer": make_user("demo-viewer", Role.VIEWER),
    }
    names = [
        "県税総合システム",
        "統合認証基盤",
        "メールシステム",
        "防災情報システム",
        "図書館業務システム",
        "自動車税システム",
    ]
    divisions = ["税務課", "情報政策課", "情報政策課", "教育政策課", "県立図書館", "税務課"]
    for i, (name, division) in enumerate(zip(names, divisions, strict=True)):
        make_system(orgs[division], number=f"S{i:03d}", name=name, integrity=3, availability=2 + i % 2)
    load_resilience()
    return users


def test_owner_records_a_restore_test_on_the_bcp_tab_and_the_system_complies(page, live_server, demo):
    system = System.objects.get(
        number="S000"
    )  # the demo owner's first system: only the restore test is overdue
    assert [u.requirement for u in selectors.system_compliance(system)["unmet"]] == ["restore_test"]
    before = selectors.compliance_summary().compliant
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/ledger/systems/{system.pk}/")
    page.get_by_test_id("tab-bcp").click()
    expect(page.get_by_test_id("karte-backup-status")).to_contain_text("基準を満たしていません")
    expect(page.get_by_test_id("karte-backup-unmet")).to_contain_text("リストア試験")
    form = page.get_by_test_id("restore-test-form")
    form.get_by_label("実施日").fill(timezone.localdate().isoformat())
    form.get_by_label("結果").select_option("success")
    form.get_by_label("対象・範囲").fill("業務DB全体を検証環境へ復元")
    form.get_by_label("所要時間（分）").fill("95")
    page.get_by_test_id("restore-test-submit").click()
    expect(page.get_by_text("リストア試験を記録しました。")).to_be_visible()
    expect(page.get_by_test_id("karte-backup-status")).to_contain_text("基準に適合")
    expect(page.get_by_test_id("karte-restore-tests")).to_contain_text("業務DB全体を検証環境へ復元")
    assert BackupPractice.objects.get(system=system).last_restore_test == timezone.localdate()
    assert selectors.compliance_summary().compliant == before + 1
    # The compliance list says so too.
    page.goto(f"{live_server.url}{reverse('resilience:compliance')}?q=S000")
    expect(page.get_by_test_id("object-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("object-table").locator("tbody tr").first).to_contain_text("○")


def test_resilience_pages_have_no_serious_accessibility_violations(browser, live_server, demo):
    system = System.objects.get(number="S000")
    pages = {
        "dashboard": reverse("resilience:dashboard"),
        "compliance": reverse("resilience:compliance"),
        "recovery": reverse("resilience:recovery"),
        "karte bcp tab": reverse("ledger:system_detail", args=[system.pk]) + "?tab=bcp",
        "incidents": reverse("resilience:securityincident_list"),
        "e-mail drill": reverse("resilience:emaildrill_detail", args=[selectors.latest_email_drill().pk]),
    }
    found = []
    for role in ("admin", "owner", "viewer"):
        context = browser.new_context(locale="ja-JP", bypass_csp=True)
        context.add_cookies([session_cookie(demo[role], live_server)])
        page = context.new_page()
        for name, url in pages.items():
            response = page.goto(f"{live_server.url}{url}")
            assert response is not None and response.status == 200, (role, name)
            if name == "dashboard":
                expect(page.get_by_test_id("compliance-by-bureau")).to_be_visible()
            found.extend((role, name, url, v) for v in run_axe(page) if v["impact"] in BLOCKING)
        context.close()
    assert not found, describe(found)
