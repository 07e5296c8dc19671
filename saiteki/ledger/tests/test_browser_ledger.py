"""Main ledger flow in a real browser: a system owner filters the list, opens a karte, adds a karte
entry, edits a field and sees the change in the history."""

import re

import pytest
from playwright.sync_api import expect

from saiteki.core.testing import make_org_tree, make_role_users
from saiteki.core.testing.browser import browser_login as login
from saiteki.ledger.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_filters_opens_karte_adds_entry_edits_and_sees_history(page, live_server):
    orgs = make_org_tree()
    make_role_users(orgs)
    system = make_system(orgs["税務課"], name="県税総合システム", business="県税の賦課・徴収")
    make_system(orgs["税務課"], name="自動車税システム")
    make_system(orgs["県立図書館"], name="県立図書館業務システム")

    login(page, live_server, "t-owner")
    page.goto(f"{live_server.url}/ledger/systems/")
    expect(page.get_by_test_id("result-count")).to_have_text("2件")  # own division only
    page.get_by_label("キーワード").fill("賦課")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1件")
    page.get_by_role("link", name="県税総合システム").click()
    expect(page.get_by_test_id("karte-title")).to_contain_text("県税総合システム")

    page.get_by_test_id("tab-karte").click()
    page.get_by_test_id("karte-add-toggle").click()
    form = page.get_by_test_id("karte-form")
    form.get_by_label("種別").select_option(label="障害")
    form.get_by_label("日付").fill("令和8年5月12日")
    form.get_by_label("件名").fill("夜間バッチの異常終了")
    form.get_by_label("内容").fill("ディスク容量不足のため。不要ログを削除して復旧。")
    form.get_by_role("button", name="記録する").click()
    expect(page.locator(".alert-success")).to_contain_text("カルテに記録しました。")
    expect(page.get_by_test_id("timeline")).to_contain_text("夜間バッチの異常終了")

    page.get_by_test_id("edit-system").click()
    page.get_by_label("対象業務", exact=True).fill("県税の賦課・徴収・滞納整理")
    page.get_by_label("変更理由").fill("業務範囲の追加")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("保存しました。")

    page.get_by_role("link", name="変更履歴").click()
    expect(page).to_have_url(re.compile(rf"/ledger/systems/{system.pk}/history/"))
    history = page.get_by_test_id("history-table")
    expect(history).to_contain_text("県税の賦課・徴収・滞納整理")
    expect(history).to_contain_text("業務範囲の追加")
    expect(history).to_contain_text("t-owner")
