"""Directory login in a real browser (Debian Chromium via Playwright) against the real servers: the LDAP
login form with a refused and an admitted directory user, the group mapping page under 管理 (checked
with axe), and the OpenID Connect button through the provider's login and back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saiteki.core.testing.axe import BLOCKING, describe, run_axe

from .oidc_op import IDP_PASSWORD, IDP_PREFIX, make_idp_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, url, username, password):
    page.goto(url)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_ldap_login_refused_then_admitted_and_the_mapping_page(browser, live_server, directory):
    # bypass_csp: the site's CSP rightly refuses the injected axe script (saiteki.core.testing.axe).
    page = browser.new_context(locale="ja-JP", bypass_csp=True).new_page()
    login_url = f"{live_server.url}/accounts/login/"
    page.goto(login_url)
    expect(page.get_by_test_id("ldap-hint")).to_be_visible()

    _login(page, login_url, "ippan.saburo", "Directory-Pass-4")
    expect(page.get_by_role("alert")).to_contain_text(
        "Saiteki の役割が割り当てられたグループに所属していない"
    )

    _login(page, login_url, "jyoho.taro", "Directory-Pass-1")
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")
    expect(page.get_by_test_id("user-role")).to_contain_text("情報政策課（管理者）")

    page.goto(f"{live_server.url}/accounts/directory-groups/")
    expect(page.get_by_test_id("directory-status")).to_contain_text("LDAP / Active Directory: 有効")
    expect(page.get_by_test_id("object-table")).to_contain_text("saiteki-admins")
    found = [("admin", "directory-groups", page.url, v) for v in run_axe(page) if v["impact"] in BLOCKING]
    assert not found, describe(found)


def test_oidc_button_through_the_provider_and_back(page, live_server, oidc, settings):
    # The provider's login form sends the browser on to Saiteki's callback (another origin here). On its
    # own server the provider has its own policy; sharing Saiteki's, it must allow that one target.
    # Saiteki's own pages only link to the provider, which form-action does not restrict.
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**policy["DIRECTIVES"], "form-action": ["'self'", oidc]},
    }
    make_idp_user("soumu.hanako", ["soumu-ka"], display_name="総務 花子")
    page.goto(f"{oidc}/accounts/login/")
    page.get_by_test_id("oidc-login").click()
    # The provider's login page (its own host), then back at Saiteki.
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/accounts/login/\?next=/openid/authorize"))
    page.get_by_label("ユーザー名").fill(f"{IDP_PREFIX}soumu.hanako")
    page.get_by_label("パスワード").fill(IDP_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    # The code exchange and the userinfo call are server-to-server requests of their own.
    expect(page).to_have_url(f"{oidc}/", timeout=30_000)
    expect(page.get_by_test_id("home-title")).to_have_text("ホーム")
    expect(page.get_by_test_id("user-role")).to_contain_text("システム所管課")
