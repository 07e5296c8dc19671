"""Main knowledge flow in a real browser, on the demo knowledge base: demo-owner (税務課) types 「税」,
sees suggestions, finds the tax-system FAQ, opens it, votes 「役に立った」; the karte links to it."""

import re

import pytest
from playwright.sync_api import expect

from saiteki.accounts.demo import DEMO_PASSWORD, load_organisation, load_users
from saiteki.accounts.models import Organization
from saiteki.knowledge.demo import load_knowledge
from saiteki.knowledge.models import Article, HelpfulVote
from saiteki.ledger.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAQ = "県税総合システムで納税通知書を再発行するには？"


def test_owner_searches_tax_opens_faq_and_votes_helpful(page, live_server):
    load_organisation()
    load_users()
    tax = Organization.objects.get(name="税務課")
    system = make_system(tax, name="県税総合システム", number="S01001")
    load_knowledge()
    article = Article.objects.get(title=FAQ)
    assert list(article.systems.all()) == [system]

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("demo-owner")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.goto(f"{live_server.url}/knowledge/")
    box = page.get_by_test_id("knowledge-q")
    box.fill("県税総合")
    expect(page.get_by_test_id("suggestions")).to_contain_text("県税総合システムで納税通知書")  # as you type
    box.fill("税")
    page.get_by_test_id("knowledge-search").click()
    expect(page.get_by_test_id("knowledge-count")).to_have_text(re.compile(r"^\d+件$"))
    results = page.get_by_test_id("knowledge-results")
    expect(results).to_contain_text(FAQ)
    expect(results.locator("mark").first).to_have_text("税")
    results.get_by_role("link", name=FAQ).click()

    expect(page.get_by_test_id("article-title")).to_have_text(FAQ)
    expect(page.get_by_test_id("article-body")).to_contain_text("通知書再発行")
    expect(page.get_by_test_id("helpful-count")).to_contain_text("0人")
    page.get_by_test_id("helpful").click()
    expect(page.locator(".alert-success")).to_contain_text("役に立った")
    expect(page.get_by_test_id("helpful-count")).to_contain_text("1人")
    assert HelpfulVote.objects.filter(article=article, user__username="demo-owner").count() == 1

    # The system's karte links back to the article.
    page.get_by_role("link", name="S01001 県税総合システム").click()
    page.get_by_test_id("tab-karte").click()
    expect(page.get_by_test_id("karte-knowledge")).to_contain_text(FAQ)
