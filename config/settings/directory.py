"""Directory login (docs/deploy.md 「ディレクトリ連携」): LDAP / Active Directory and OpenID Connect.

Both are off unless the environment configures them — LDAP when ``LDAP_SERVER_URI`` is set, OIDC when
``OIDC_RP_CLIENT_ID`` is set — so the demo and small prefectures keep local accounts only. The local
backend always stays first: a break-glass administrator logs in with the local password even when the
directory is down (the LDAP connection gives up after ``LDAP_TIMEOUT`` seconds).

The two functions take the environment getter so tests build the very settings production builds from
a dictionary of variables (``ldap_settings({"LDAP_SERVER_URI": ...}.get)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from config import env

Getter = Callable[[str], str | None]

LDAP_BACKEND = "saiteki.accounts.directory.DirectoryLDAPBackend"
OIDC_BACKEND = "saiteki.accounts.directory.DirectoryOIDCBackend"

#: LDAP_GROUP_TYPE → (django-auth-ldap group type, default group filter)
_GROUP_TYPES = {
    "groupofnames": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "groupofuniquenames": ("GroupOfUniqueNamesType", "(objectClass=groupOfUniqueNames)"),
    "posixgroup": ("PosixGroupType", "(objectClass=posixGroup)"),
    # Active Directory: nested groups are resolved (a division group inside a department group counts).
    "activedirectory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
}


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def ldap_settings(get: Getter = env.get) -> dict[str, Any]:
    """The AUTH_LDAP_* settings from the LDAP_* variables ({} when LDAP is not configured)."""
    uri = (get("LDAP_SERVER_URI") or "").strip()
    if not uri:
        return {}
    import ldap
    from django_auth_ldap import config as ldap_config

    group_type_name = (get("LDAP_GROUP_TYPE") or "groupOfNames").strip().lower()
    if group_type_name not in _GROUP_TYPES:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"LDAP_GROUP_TYPE={group_type_name} は使えません（{', '.join(_GROUP_TYPES)} のいずれか）。"
        )
    type_class, default_group_filter = _GROUP_TYPES[group_type_name]
    timeout = int(get("LDAP_TIMEOUT") or 5)
    return {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": get("LDAP_BIND_DN") or "",
        "AUTH_LDAP_BIND_PASSWORD": get("LDAP_BIND_PASSWORD") or "",
        "AUTH_LDAP_START_TLS": _bool(get("LDAP_START_TLS")),
        "AUTH_LDAP_USER_SEARCH": ldap_config.LDAPSearch(
            get("LDAP_USER_SEARCH_BASE") or "",
            ldap.SCOPE_SUBTREE,
            get("LDAP_USER_FILTER") or "(uid=%(user)s)",
        ),
        "AUTH_LDAP_GROUP_SEARCH": ldap_config.LDAPSearch(
            get("LDAP_GROUP_SEARCH_BASE") or get("LDAP_USER_SEARCH_BASE") or "",
            ldap.SCOPE_SUBTREE,
            get("LDAP_GROUP_FILTER") or default_group_filter,
        ),
        "AUTH_LDAP_GROUP_TYPE": getattr(ldap_config, type_class)(),
        "AUTH_LDAP_USER_ATTR_MAP": {
            "display_name": get("LDAP_ATTR_DISPLAY_NAME") or "displayName",
            "email": get("LDAP_ATTR_EMAIL") or "mail",
        },
        # Name and mail follow the directory at every login.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        # A directory that does not answer must not hold the login page (local accounts still log in).
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
            ldap.OPT_REFERRALS: 0,  # Active Directory's referrals would need another bind
        },
    }


def oidc_settings(get: Getter = env.get) -> dict[str, Any]:
    """mozilla-django-oidc's settings from the OIDC_* variables ({} when OIDC is not configured).

    The endpoints are given explicitly (the provider's discovery document lists them): the server never
    fetches configuration it was not told about.
    """
    client_id = (get("OIDC_RP_CLIENT_ID") or "").strip()
    if not client_id:
        return {}
    return {
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": get("OIDC_RP_CLIENT_SECRET") or "",
        "OIDC_RP_SIGN_ALGO": get("OIDC_RP_SIGN_ALGO") or "RS256",
        "OIDC_RP_SCOPES": get("OIDC_RP_SCOPES") or "openid email profile",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": get("OIDC_OP_AUTHORIZATION_ENDPOINT") or "",
        "OIDC_OP_TOKEN_ENDPOINT": get("OIDC_OP_TOKEN_ENDPOINT") or "",
        "OIDC_OP_USER_ENDPOINT": get("OIDC_OP_USER_ENDPOINT") or "",
        "OIDC_OP_JWKS_ENDPOINT": get("OIDC_OP_JWKS_ENDPOINT") or None,
        "OIDC_USE_PKCE": True,
        "OIDC_TIMEOUT": int(get("OIDC_TIMEOUT") or 10),
        "OIDC_VERIFY_SSL": _bool(get("OIDC_VERIFY_SSL"), True),
        # Which claims carry the user name and the groups (Entra ID: "groups" or "roles"; Keycloak:
        # "groups" with the group-membership mapper).
        "SAITEKI_OIDC_USERNAME_CLAIM": get("OIDC_USERNAME_CLAIM") or "preferred_username",
        "SAITEKI_OIDC_GROUPS_CLAIM": get("OIDC_GROUPS_CLAIM") or "groups",
        "SAITEKI_OIDC_LOGIN_LABEL": get("OIDC_LOGIN_LABEL") or "",
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/",
    }


def backends(ldap: dict[str, Any], oidc: dict[str, Any]) -> list[str]:
    """The directory backends after the local one (local first: break-glass works without a directory)."""
    return ([LDAP_BACKEND] if ldap else []) + ([OIDC_BACKEND] if oidc else [])
