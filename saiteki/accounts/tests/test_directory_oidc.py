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
from django.contrib.auth.models import Group
from django.core.management import call_command

from config.settings.directory import OIDC_BACKEND, oidc_settings
from saiteki.accounts.choices import AuthSource, Role
from saiteki.accounts.models import Assignment, DirectoryGroupMapping, User
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import AuditEvent
from saiteki.core.testing import make_user

from .oidc_op import IDP_PREFIX

pytestmark = pytest.mark.django_db(transaction=True)

IDP_PASSWORD = "Idp-Password-2026"


@pytest.fixture
def oidc(settings, live_server, orgs, monkeypatch):
    from oidc_provider.models import Client, ResponseType

    from saiteki.accounts import middleware

    # The provider's token, userinfo and JWKS endpoints are called server to server, without a session;
    # on its own server they would not sit behind Saiteki's login requirement either.
    monkeypatch.setattr(middleware, "PUBLIC_PREFIXES", (*middleware.PUBLIC_PREFIXES, "/openid/"))

    rp = live_server.url  # http://localhost:<port>
    op = rp.replace("localhost", "127.0.0.1") + "/openid"
    settings.ROOT_URLCONF = "saiteki.accounts.tests.oidc_urls"
    env = {
        "OIDC_RP_CLIENT_ID": "saiteki",
        "OIDC_RP_CLIENT_SECRET": "saiteki-client-secret",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{op}/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{op}/token",
        "OIDC_OP_USER_ENDPOINT": f"{op}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{op}/jwks",
        "OIDC_LOGIN_LABEL": "県庁統合認証でログイン",
    }
    for name, value in oidc_settings(env.get).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]

    call_command("creatersakey", verbosity=0)
    code, _created = ResponseType.objects.get_or_create(value="code", defaults={"description": "code"})
    client = Client.objects.create(
        name="Saiteki",
        client_type="confidential",
        client_id="saiteki",
        client_secret="saiteki-client-secret",
        jwt_alg="RS256",
        require_consent=False,
        _redirect_uris=f"{rp}/accounts/oidc/callback/",
    )
    client.response_types.add(code)

    DirectoryGroupMapping.objects.create(group_name="soumu-ka", role=Role.OWNER, division=orgs["税務課"])
    DirectoryGroupMapping.objects.create(group_name="saiteki-admins", role=Role.ADMIN)
    return rp


def _idp_user(name: str, groups: list[str], display_name: str = "") -> User:
    """An account of the provider's own directory (logs in at the provider, not at Saiteki)."""
    user = User.objects.create_user(
        username=f"{IDP_PREFIX}{name}",
        password=IDP_PASSWORD,
        display_name=display_name or name,
        email=f"{name}@pref.example.jp",
    )
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


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
    _idp_user("soumu.hanako", ["soumu-ka", "all-staff"], display_name="総務 花子")
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
    _idp_user("ippan.saburo", ["all-staff"])
    r = _login_through_provider(oidc, "ippan.saburo")
    assert r.url == f"{oidc}/accounts/login/"
    assert "Saiteki の役割が割り当てられたグループに所属していない" in r.text
    assert not User.objects.filter(username="ippan.saburo").exists()
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED, actor_username="ippan.saburo")
    assert failed.detail == {"source": "oidc", "reason": "no_mapped_group"}


def test_oidc_never_takes_over_a_local_account(oidc, orgs):
    local = make_user("breakglass", Role.ADMIN, orgs["情報政策課"], password="Local-Break-Glass-1")
    _idp_user("breakglass", ["saiteki-admins"])
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
