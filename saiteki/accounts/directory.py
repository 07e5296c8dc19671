"""Login through the prefecture's directory: LDAP / Active Directory (django-auth-ldap) and OpenID Connect
(mozilla-django-oidc). Settings: config/settings/directory.py; operations: docs/deploy.md 「ディレクトリ連携」.

Both backends follow the same rules, in :func:`_admit`:

- the directory checks the password (LDAP bind) or the provider the person (OIDC code flow);
- the user's groups are looked up in :class:`~saiteki.accounts.models.DirectoryGroupMapping`; no mapped
  group → the login is refused with a Japanese message saying so (nobody gets a role by accident);
- a local account is never taken over by a directory login of the same name: local accounts are the
  break-glass administrators, and the local backend runs first, so they log in with the local password
  even when the directory is down;
- the account is created at the first login, its name and mail follow the directory, and its role and
  所属 for the current fiscal year are set from the mapping (:func:`services.directory_user_sync`),
  with history and audit records, all in one transaction;
- the audit log's login record says which source admitted the user (:func:`login_source_of`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend, ldap_error
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .choices import AuthSource
from .models import DirectoryGroupMapping, User
from .selectors import directory_mapping_for
from .services import directory_user_sync, user_snapshot

logger = logging.getLogger(__name__)

#: request attribute: why a directory login was refused ({"source", "reason", "message"})
DENIAL_ATTR = "saiteki_login_denied"
#: request attribute: the directory did not answer during this login attempt
UNAVAILABLE_ATTR = "saiteki_directory_unavailable"


def normalise_group(name: str) -> str:
    """Group names and DNs compare without case and without blanks around ``,`` and ``=``."""
    return DirectoryGroupMapping.tidy_group_name(name).lower()


def login_source_of(user) -> str:
    """Which backend admitted this user in this request (set by ``django.contrib.auth.authenticate``)."""
    path = getattr(user, "backend", "") or ""
    if path:
        try:
            return str(getattr(import_string(path), "login_source", AuthSource.LOCAL))
        except ImportError:
            pass
    return str(AuthSource.LOCAL)


def ldap_enabled() -> bool:
    from config.settings.directory import LDAP_BACKEND

    return LDAP_BACKEND in settings.AUTHENTICATION_BACKENDS


def oidc_enabled() -> bool:
    from config.settings.directory import OIDC_BACKEND

    return OIDC_BACKEND in settings.AUTHENTICATION_BACKENDS


def oidc_login_label() -> str:
    return getattr(settings, "SAITEKI_OIDC_LOGIN_LABEL", "") or _(
        "庁内の認証基盤（OpenID Connect）でログイン"
    )


def _deny(request, *, source: str, username: str, reason: str, message: str) -> PermissionDenied:
    """Remember why (for the login page and the audit record) and stop every other backend."""
    if request is not None:
        setattr(
            request,
            DENIAL_ATTR,
            {"source": source, "username": username, "reason": reason, "message": message},
        )
    logger.info("ディレクトリ ログインを拒否しました (%s): %s", source, reason)
    return PermissionDenied(message)


@dataclass
class _Admission:
    mapping: DirectoryGroupMapping
    before: dict[str, Any] | None  # the account's fields before this login (None: new account)


def _admit(request, *, source: str, username: str, user: User | None, groups: Iterable[str]) -> _Admission:
    """The checks both directories share; raises PermissionDenied with the reason in Japanese."""
    if user is not None and user.auth_source == AuthSource.LOCAL:
        raise _deny(
            request,
            source=source,
            username=username,
            reason="local_account",
            message=_(
                "このユーザー名はローカルアカウントとして登録されているため、ディレクトリではログインできません。"
                "ローカルのパスワードでログインしてください。"
            ),
        )
    mapping = directory_mapping_for(source=source, groups=[normalise_group(g) for g in groups])
    if mapping is None:
        raise _deny(
            request,
            source=source,
            username=username,
            reason="no_mapped_group",
            message=_(
                "ディレクトリでの本人確認はできましたが、Saiteki の役割が割り当てられたグループに所属していないため、"
                "ログインできません。利用が必要な場合は情報政策課にお問い合わせください。"
            ),
        )
    return _Admission(mapping=mapping, before=user_snapshot(user) if user is not None else None)


class DirectoryLDAPBackend(LDAPBackend):
    """django-auth-ldap with Saiteki's admission rules (group mapping, local accounts kept local)."""

    login_source = AuthSource.LDAP

    def get_or_build_user(self, username, ldap_user):
        # Called after the directory accepted the password and before django-auth-ldap writes anything.
        user, built = super().get_or_build_user(username, ldap_user)
        groups = {*ldap_user.group_dns, *ldap_user.group_names}
        ldap_user.saiteki_admission = _admit(
            ldap_user._request,
            source=AuthSource.LDAP,
            username=username,
            user=None if built else user,
            groups=groups,
        )
        return user, built

    def authenticate_ldap_user(self, ldap_user, password):
        with transaction.atomic():
            user = super().authenticate_ldap_user(ldap_user, password)
            admission: _Admission | None = getattr(ldap_user, "saiteki_admission", None)
            if user is None or admission is None:
                return None
            directory_user_sync(
                user=user,
                source=AuthSource.LDAP,
                mapping=admission.mapping,
                before=admission.before,
                request=ldap_user._request,
            )
        return user


@receiver(ldap_error)
def _directory_unavailable(sender, context, user, request=None, exception=None, **kwargs):
    """The directory did not answer (or failed): the login page says so instead of 'wrong password'."""
    if request is not None:
        setattr(request, UNAVAILABLE_ATTR, True)


def _claim_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v is not None]


class DirectoryOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc with Saiteki's admission rules; the user name comes from a claim
    (``OIDC_USERNAME_CLAIM``, default preferred_username) and the groups from ``OIDC_GROUPS_CLAIM``."""

    login_source = AuthSource.OIDC

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        username_claim = getattr(settings, "SAITEKI_OIDC_USERNAME_CLAIM", "preferred_username")
        groups_claim = getattr(settings, "SAITEKI_OIDC_GROUPS_CLAIM", "groups")
        username = str(claims.get(username_claim) or payload.get(username_claim) or "").strip().lower()
        if not username:
            raise _deny(
                self.request,
                source=AuthSource.OIDC,
                username="",
                reason="no_username",
                message=_("認証基盤から利用者名（%(claim)s）が届かなかったため、ログインできません。")
                % {"claim": username_claim},
            )
        groups = {*_claim_list(claims.get(groups_claim)), *_claim_list(payload.get(groups_claim))}
        with transaction.atomic():
            user = User.objects.select_for_update().filter(username__iexact=username).first()
            admission = _admit(
                self.request, source=AuthSource.OIDC, username=username, user=user, groups=groups
            )
            if user is None:
                user = User(username=username)
                user.set_unusable_password()
            user.email = str(claims.get("email") or user.email or "")
            user.display_name = str(
                claims.get("name")
                or " ".join(p for p in (claims.get("family_name"), claims.get("given_name")) if p)
                or user.display_name
                or ""
            )[:100]
            user.save()
            directory_user_sync(
                user=user,
                source=AuthSource.OIDC,
                mapping=admission.mapping,
                before=admission.before,
                request=self.request,
            )
        return user

    def filter_users_by_claims(self, claims):  # pragma: no cover - get_or_create_user replaces it
        return User.objects.none()
