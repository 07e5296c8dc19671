"""In a real browser (Debian Chromium), with the demo users: demo-owner submits a P case, demo-admin
requests an opinion, demo-advisor writes it, demo-admin decides with a reduced amount, demo-owner sees
the decision on the case and on the karte; then D, C and A complete the cycle."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from saiteki.accounts.choices import Role
from saiteki.core.testing import make_user
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.tests.factories import make_cost, make_system
from saiteki.reviews.demo import load_reviews
from saiteki.reviews.models import Proposal, ReviewCase
from saiteki.reviews.tests.conftest import FY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(orgs):
    make_user("demo-admin", Role.ADMIN, orgs["情報政策課"])
    make_user("demo-owner", Role.OWNER, orgs["税務課"])
    make_user("demo-advisor", Role.ADVISOR)
    tax = make_system(orgs["税務課"], number="S01001", name="県税総合システム")
    for i in range(3):
        s = make_system(orgs["教育政策課"], number=f"S02{i:03d}", name=f"教育システム{i}")
        make_cost(s, fiscal_year=FY - 1, category="app_maintenance", stage="budget", amount=5_000_000 + i)
    make_cost(tax, fiscal_year=FY - 1, category="app_maintenance", stage="budget", amount=9_000_000)
    load_reviews()  # the gate on from FY, rubric, demo cases of other systems
    return {"tax": tax}


def transition(page, name, comment=""):
    form = page.get_by_test_id(f"transition-{name}")
    if comment:
        form.locator("textarea").fill(comment)
    form.get_by_role("button").click()


def test_p_case_from_submission_to_decision(page, live_server, demo):
    tax = demo["tax"]
    # demo-owner opens a P case for next year's budget and submits it.
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/reviews/cases/add/?kind=P&system={tax.pk}")
    page.locator("#id_fiscal_year").fill(str(FY))
    page.locator("#id_title").fill("県税総合システム 運用保守の予算要求")
    page.get_by_test_id("case-form").get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("case-state")).to_have_text("下書き")
    page.get_by_test_id("requested-form").get_by_label("アプリケーション保守（円）").fill("10,000,000")
    page.get_by_test_id("requested-form").get_by_label("ハードウェア保守（円）").fill("2,000,000")
    page.get_by_role("button", name="要求額を保存").click()
    expect(page.get_by_test_id("case-requested")).to_have_text("12,000,000円")
    transition(page, "submit", "前年度並みで要求します")
    expect(page.get_by_test_id("case-state")).to_have_text("提出")
    case = ReviewCase.objects.get(system=tax, kind="P", fiscal_year=FY)

    # demo-admin starts the review and asks the CIO advisor.
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}/reviews/cases/{case.pk}/")
    transition(page, "start_review")
    expect(page.get_by_test_id("case-state")).to_have_text("審査中")
    transition(page, "request_opinion", "保守費の水準は他県と比べて妥当か")
    expect(page.get_by_test_id("case-state")).to_have_text("CIO補佐官意見照会")

    # demo-advisor finds it in the queue (and the inbox) and writes the opinion.
    login(page, live_server, "demo-advisor")
    expect(page.get_by_test_id("inbox-unread")).to_be_visible()
    page.goto(f"{live_server.url}/reviews/opinions/")
    page.get_by_test_id("opinion-queue").get_by_role("link", name=str(case)).click()
    page.get_by_test_id("opinion-form").locator("textarea").fill(
        "他県事例では1割程度低い。保守範囲の見直しを。"
    )
    page.get_by_test_id("opinion-form").get_by_role("button", name="意見を記入").click()
    expect(page.get_by_test_id("opinion-text")).to_contain_text("保守範囲の見直し")

    # demo-admin assesses with a reduced amount and approves.
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}/reviews/cases/{case.pk}/")
    expect(page.get_by_test_id("case-state")).to_have_text("審査中")
    form = page.get_by_test_id("assess-form")
    form.locator("#a_app_maintenance").fill("9,000,000")
    form.get_by_label("審査所見").fill("CIO補佐官意見を踏まえ保守範囲を縮小")
    form.get_by_role("button", name="査定額を保存").click()
    expect(page.get_by_test_id("case-reduction")).to_have_text("1,000,000円")
    transition(page, "approve", "査定額のとおり承認")
    expect(page.get_by_test_id("case-state")).to_have_text("承認")

    # demo-owner sees the decision on the case, the board and the karte, and writes the budget.
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/reviews/cases/{case.pk}/")
    expect(page.get_by_test_id("case-state")).to_have_text("承認")
    expect(page.get_by_test_id("decisions")).to_contain_text("査定額のとおり承認")
    expect(page.get_by_test_id("case-reduction")).to_have_text("1,000,000円")
    page.get_by_test_id("apply-budget").click()
    expect(page.get_by_text("予算額に反映しました")).to_be_visible()
    page.goto(f"{live_server.url}/ledger/systems/{tax.pk}/?tab=karte")
    expect(page.locator("main")).to_contain_text("審査案件")
    expect(page.locator("main")).to_contain_text("査定額のとおり承認")


def test_d_c_and_a_complete_the_cycle(page, live_server, demo):
    tax = demo["tax"]
    # D: the owner asks for the pre-contract review with the vendors' quotes; the admin approves.
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/reviews/cases/add/?kind=D&system={tax.pk}")
    page.locator("#id_fiscal_year").fill(str(FY))
    page.locator("#id_procurement_method").select_option(label="一般競争入札")
    page.get_by_test_id("case-form").get_by_role("button", name="保存").click()
    page.get_by_test_id("requested-form").get_by_label("アプリケーション保守（円）").fill("8,000,000")
    page.get_by_role("button", name="要求額を保存").click()
    page.get_by_text("見積を入力する").click()
    form = page.get_by_test_id("quotes-form")
    form.locator("[name=q_vendor_0]").fill("A社")
    form.locator("[name=q_amount_0]").fill("8,000,000")
    form.locator("[name=q_vendor_1]").fill("B社")
    form.locator("[name=q_amount_1]").fill("7,200,000")
    form.get_by_role("button", name="見積を保存").click()
    expect(page.get_by_test_id("quotes")).to_contain_text("最安")
    transition(page, "submit")
    d_case = ReviewCase.objects.get(system=tax, kind="D", fiscal_year=FY)
    login(page, live_server, "demo-admin")
    page.goto(f"{live_server.url}/reviews/cases/{d_case.pk}/")
    transition(page, "start_review")
    page.get_by_test_id("assess-form").locator("#a_app_maintenance").fill("7,200,000")
    page.get_by_test_id("assess-form").get_by_role("button", name="査定額を保存").click()
    transition(page, "approve")
    expect(page.get_by_test_id("case-state")).to_have_text("承認")

    # C: the admin evaluates the system on the rubric with its peers and proposes an improvement (A).
    page.goto(f"{live_server.url}/reviews/cases/add/?kind=C&system={tax.pk}")
    page.locator("#id_fiscal_year").fill(str(FY - 1))
    page.get_by_test_id("case-form").get_by_role("button", name="保存").click()
    transition(page, "submit")
    transition(page, "start_review")
    expect(page.get_by_test_id("peers")).to_be_visible()
    form = page.get_by_test_id("evaluation-form")
    for select in form.locator("select[name^=s_]").all():
        select.select_option("3")
    form.locator("#disposition").select_option(label="改善")
    form.get_by_role("button", name="評価を保存").click()
    expect(page.get_by_test_id("evaluation-result")).to_contain_text("改善")
    page.get_by_text("改善提案を登録する").click()
    page.locator("#p-title").fill("共通基盤（統合サーバ）への移行")
    page.locator("#p-due").fill(str(FY + 1))
    page.get_by_role("button", name="登録").click()
    expect(page.get_by_test_id("case-proposals")).to_contain_text("共通基盤")
    transition(page, "approve")
    expect(page.get_by_test_id("case-state")).to_have_text("承認")

    # A: the owner reports progress on the proposal; it waits on the next P case.
    proposal = Proposal.objects.get(
        system=tax, title="共通基盤（統合サーバ）への移行", source_case__fiscal_year=FY - 1
    )
    login(page, live_server, "demo-owner")
    page.goto(f"{live_server.url}/reviews/proposals/{proposal.pk}/")
    page.locator("#status").select_option(label="対応中")
    page.locator("#evidence").fill("次期更改の仕様書に反映中")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("proposal-status")).to_have_text("対応中")
    page.goto(f"{live_server.url}/reviews/cases/add/?kind=P&system={tax.pk}")
    page.locator("#id_fiscal_year").fill(str(FY + 1))
    page.get_by_test_id("case-form").get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("proposal-checks")).to_contain_text("共通基盤")
