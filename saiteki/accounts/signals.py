"""Authentication events → audit log. Only audit writing lives here; no business logic."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from saiteki.core.audit import audit_event_record
from saiteki.core.models import AuditEvent


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs):
    audit_event_record(kind=AuditEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event_record(kind=AuditEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_event_record(
        kind=AuditEvent.Kind.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    audit_event_record(kind=AuditEvent.Kind.LOCKOUT, request=request, username=str(username or ""))
