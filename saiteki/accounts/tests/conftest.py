"""Fixtures for the directory-login tests: a real OpenLDAP server for the whole session, the directory
configured as production configures it from the environment, and the in-process OIDC provider."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from config.settings.directory import LDAP_BACKEND, OIDC_BACKEND, ldap_settings, oidc_settings
from saiteki.accounts.choices import DirectorySource, Role
from saiteki.accounts.models import DirectoryGroupMapping

from .servers import Slapd, slapd_missing

GROUPS = "ou=groups,dc=saiteki,dc=test"


@pytest.fixture(scope="session")
def ldap_server():
    missing = slapd_missing()
    if missing:
        pytest.skip(f"OpenLDAP を起動できません: {missing}")
    server = Slapd()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def use_ldap(settings, env: dict[str, str]) -> None:
    """Configure LDAP exactly as production does from the environment (config/settings/directory.py)."""
    for name, value in ldap_settings(env.get).items():
        setattr(settings, name, value)
    if LDAP_BACKEND not in settings.AUTHENTICATION_BACKENDS:
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, LDAP_BACKEND]


@pytest.fixture
def directory(settings, ldap_server, orgs):
    use_ldap(settings, ldap_server.env())
    DirectoryGroupMapping.objects.create(group_name="saiteki-admins", role=Role.ADMIN, priority=10)
    DirectoryGroupMapping.objects.create(group_name="soumu-ka", role=Role.OWNER, division=orgs["税務課"])
    DirectoryGroupMapping.objects.create(
        source=DirectorySource.LDAP, group_name=f"cn=committee,{GROUPS}", role=Role.VIEWER
    )
    # Everybody is in all-staff, but this mapping is for the OIDC provider only: it admits nobody here.
    DirectoryGroupMapping.objects.create(
        source=DirectorySource.OIDC, group_name="all-staff", role=Role.VIEWER
    )
    return ldap_server


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
        "OIDC_RP_SCOPES": "openid email profile groups",  # this provider sends groups for that scope
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
