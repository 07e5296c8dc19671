"""Browser-test helpers shared by every app's Playwright tests."""

from __future__ import annotations

from playwright.sync_api import expect

from saiteki.core.testing.base import TEST_PASSWORD


def browser_login(
    page, live_server, username: str, password: str = TEST_PASSWORD, *, expect_success: bool = True
) -> None:
    """Log in through the real login form as ``username`` (any earlier session is dropped first) and
    wait until the form is gone, so the next step never races the redirect. ``expect_success=False``
    only submits the form (tests of refused logins check the page themselves)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    if expect_success:
        expect(page.get_by_label("ユーザー名")).to_have_count(0)
