"""Authentication events → audit log. Only audit writing lives here; no business logic."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from saiteki.core.audit import audit_event_record
from saiteki.core.models import AuditEvent


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs):
    from saiteki.accounts.directory import login_source_of

    # Which source admitted the user: local password, LDAP / Active Directory or OpenID Connect.
    audit_event_record(
        kind=AuditEvent.Kind.LOGIN, request=request, user=user, detail={"source": login_source_of(user)}
    )


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(kind=AuditEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from saiteki.accounts.directory import DENIAL_ATTR, UNAVAILABLE_ATTR

    detail = {}
    username = str(credentials.get("username", ""))
    denied = getattr(request, DENIAL_ATTR, None)
    if denied:  # the directory knew the person but Saiteki refused them (no mapped group, local account)
        detail = {"source": denied["source"], "reason": denied["reason"]}
        username = username or denied["username"]
    elif getattr(request, UNAVAILABLE_ATTR, False):
        detail = {"source": "ldap", "reason": "directory_unavailable"}
    audit_event_record(
        kind=AuditEvent.Kind.LOGIN_FAILED,
        request=request,
        username=username,
        detail=detail,
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_event_record(kind=AuditEvent.Kind.LOCKOUT, request=request, username=str(username or ""))
