"""The OpenID Connect provider the OIDC login tests run against: django-oidc-provider, in the test
process (installed only by config/settings/test.py, mounted at /openid/ by ``oidc_urls``).

It is a real provider — authorisation endpoint with its own login, code exchange, RS256-signed ID
tokens, JWKS and userinfo over HTTP — so the tests exercise mozilla-django-oidc's whole code flow.
Its users are local accounts named ``idp-<name>`` (the provider's own staff directory); the claims
it sends say ``preferred_username: <name>`` and ``groups`` from the account's Django groups.
"""

from __future__ import annotations

from oidc_provider.apps import OIDCProviderConfig
from oidc_provider.lib.claims import ScopeClaims

IDP_PREFIX = "idp-"
IDP_PASSWORD = "Idp-Password-2026"


class OIDCProviderTestConfig(OIDCProviderConfig):
    # The provider's migrations were made with AutoField; the project default (BigAutoField) would make
    # `makemigrations --check` want a migration inside the third-party app.
    default_auto_field = "django.db.models.AutoField"


def userinfo(claims, user):
    """OIDC_USERINFO: the standard claims of a provider account."""
    claims["preferred_username"] = user.username.removeprefix(IDP_PREFIX)
    claims["name"] = user.display_name
    claims["email"] = user.email
    return claims


class GroupsScopeClaims(ScopeClaims):
    """OIDC_EXTRA_SCOPE_CLAIMS: the ``groups`` scope sends the account's group names."""

    info_groups = ("groups", "所属グループ")

    def scope_groups(self):
        return {"groups": sorted(g.name for g in self.user.groups.all())}


def make_idp_user(name: str, groups: list[str], display_name: str = ""):
    """An account of the provider's own directory (logs in at the provider, not at Saiteki)."""
    from django.contrib.auth.models import Group

    from saiteki.accounts.models import User

    user = User.objects.create_user(
        username=f"{IDP_PREFIX}{name}",
        password=IDP_PASSWORD,
        display_name=display_name or name,
        email=f"{name}@pref.example.jp",
    )
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user
