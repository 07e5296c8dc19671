"""The shell in a real browser (Debian Chromium via Playwright): login in Japanese, fiscal-year switch,
language switch, logout, and the Japanese lockout message."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from saiteki.core.testing import make_org_tree, make_role_users
from saiteki.core.testing.browser import browser_login as login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_japanese_font_is_installed():
    """Without a Japanese font, screenshots and PDFs silently show empty boxes."""
    out = subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True, check=True).stdout
    assert "CJK" in out or "Noto Sans JP" in out


def test_admin_shell_fy_language_logout(page, live_server):
    make_role_users(make_org_tree())
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, "t-admin")
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")
    expect(page.get_by_test_id("user-role")).to_contain_text("情報政策課（管理者）")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.get_by_test_id("fy-select").select_option(label="令和5年度（2023年度）")
    page.wait_for_load_state()
    expect(page.get_by_test_id("fy-label")).to_have_text("令和5年度（2023年度）")
    expect(page.locator(".alert")).to_contain_text("表示年度を令和5年度（2023年度）に切り替えました。")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-title")).to_have_text("Home")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("lang-ja").click()
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_failed_logins_lock_the_account_with_a_japanese_message(page, live_server):
    make_role_users(make_org_tree())
    for _ in range(4):
        login(page, live_server, "t-owner", "wrong-password", expect_success=False)
        expect(page.get_by_role("alert")).to_contain_text("ユーザー名またはパスワードが正しくありません。")
    login(page, live_server, "t-owner", "wrong-password", expect_success=False)
    expect(page.get_by_test_id("lockout")).to_contain_text("一時的にロックされています")
    login(
        page, live_server, "t-owner", expect_success=False
    )  # even the right password is refused while locked
    expect(page.get_by_test_id("lockout")).to_contain_text("一時的にロックされています")
