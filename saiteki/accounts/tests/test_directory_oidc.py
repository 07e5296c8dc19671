"""Issue 14: login through an OpenID Connect provider — django-oidc-provider running in the test process
(oidc_op.py) behind the live server, the whole authorisation-code flow over real HTTP: the browser's
redirects, the provider's own login, the code exchange, RS256-signed ID tokens checked against the
JWKS, userinfo with the groups claim. No mock of the protocol.

The provider and Saiteki share the live server but not their cookies: Saiteki is addressed as
``localhost`` and the provider as ``127.0.0.1``, so the two sessions stay apart as on two servers.
"""

from __future__ import annotations

import datetime
import re

import pytest
import requests

from config.settings.directory import OIDC_BACKEND
from saiteki.accounts.choices import AuthSource, Role
from saiteki.accounts.models import Assignment, User
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import AuditEvent
from saiteki.core.testing import make_user

from .oidc_op import IDP_PASSWORD, IDP_PREFIX, make_idp_user

pytestmark = pytest.mark.django_db(transaction=True)


def _login_through_provider(rp: str, name: str) -> requests.Response:
    """What a browser does: Saiteki's OIDC button, the provider's login form, the redirects back."""
    session = requests.Session()
    r = session.get(f"{rp}/accounts/oidc/authenticate/", timeout=60)
    assert r.status_code == 200
    assert r.url.startswith(rp.replace("localhost", "127.0.0.1") + "/accounts/login/"), r.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
    assert token, "the provider's login form"
    return session.post(
        r.url,
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": f"{IDP_PREFIX}{name}",
            "password": IDP_PASSWORD,
        },
        headers={"Referer": r.url},
        timeout=60,
    )


def _assignment(user):
    return Assignment.objects.get(user=user, fiscal_year=fiscal_year_of(datetime.date.today()))


def test_oidc_login_maps_the_groups_claim_to_role_and_division(oidc, orgs):
    make_idp_user("soumu.hanako", ["soumu-ka", "all-staff"], display_name="総務 花子")
    r = _login_through_provider(oidc, "soumu.hanako")
    assert r.status_code == 200
    assert r.url == f"{oidc}/", r.url  # back at Saiteki's home, logged in
    assert "総務 花子" in r.text

    user = User.objects.get(username="soumu.hanako")
    assert user.auth_source == AuthSource.OIDC
    assert user.email == "soumu.hanako@pref.example.jp"
    assert not user.has_usable_password()
    assignment = _assignment(user)
    assert (assignment.role, assignment.division) == (Role.OWNER, orgs["税務課"])
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN, actor_username="soumu.hanako")
    assert login.detail == {"source": "oidc"}
    assert login.actor_role == Role.OWNER
    # The provider's own login of its account is a local login of that account.
    idp_login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN, actor_username=f"{IDP_PREFIX}soumu.hanako")
    assert idp_login.detail == {"source": "local"}


def test_oidc_user_in_no_mapped_group_is_refused_with_a_clear_message(oidc):
    make_idp_user("ippan.saburo", ["all-staff"])
    r = _login_through_provider(oidc, "ippan.saburo")
    assert r.url == f"{oidc}/accounts/login/"
    assert "Saiteki の役割が割り当てられたグループに所属していない" in r.text
    assert not User.objects.filter(username="ippan.saburo").exists()
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED, actor_username="ippan.saburo")
    assert failed.detail == {"source": "oidc", "reason": "no_mapped_group"}


def test_oidc_never_takes_over_a_local_account(oidc, orgs):
    local = make_user("breakglass", Role.ADMIN, orgs["情報政策課"], password="Local-Break-Glass-1")
    make_idp_user("breakglass", ["saiteki-admins"])
    r = _login_through_provider(oidc, "breakglass")
    assert r.url == f"{oidc}/accounts/login/"
    assert "ローカルアカウントとして登録されているため" in r.text
    local.refresh_from_db()
    assert local.auth_source == AuthSource.LOCAL


def test_login_page_offers_the_provider_only_when_configured(client, oidc, settings):
    page = client.get("/accounts/login/").content.decode()
    assert 'data-testid="oidc-login"' in page and "県庁統合認証でログイン" in page
    settings.AUTHENTICATION_BACKENDS = [b for b in settings.AUTHENTICATION_BACKENDS if b != OIDC_BACKEND]
    assert 'data-testid="oidc-login"' not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
