"""Writing the security audit log (login, failed login, lockout, export, import, role changes)."""

from __future__ import annotations

from django.db import models

from saiteki.core.models import AuditEvent


def _client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind the reverse proxy of docs/deploy.md the real address is the last X-Forwarded-For hop it added.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


def audit_event_record(
    *,
    kind: str,
    request=None,
    user=None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Copy actor and object identity into an immutable audit row (it must survive their deletion)."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            user = request.user
    role = ""
    if user is not None:
        try:
            role = str(user.current_role or "")
        except Exception:  # noqa: BLE001 - the audit log must be written even if role lookup fails
            role = ""
    return AuditEvent.objects.create(
        kind=kind,
        actor_id=getattr(user, "pk", None),
        actor_username=(user.get_username() if user is not None else username)[:150],
        actor_role=role,
        ip_address=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        detail=detail or {},
    )
