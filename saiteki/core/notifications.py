"""Telling people: the per-user inbox and, for those who opted in, e-mail.

Services call one function, :func:`notify`, after (or inside) the write that is worth telling about.
Delivery waits for the surrounding transaction to commit, so a rolled-back write tells nobody, and
it never fails the business operation: a mail server that is down is logged, the inbox row stays.

Reads (:func:`inbox_for`, :func:`unread_count`) and the inbox's own writes (mark read, preferences)
live here too: this module is the inbox's whole service and selector layer. Users only ever read and
change their own notifications — every function takes the user and filters by it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from saiteki.core.models import Notification, NotificationPreference

logger = logging.getLogger("saiteki.notifications")

_MAX_MESSAGE = 2000


def _user_ids(recipients: Any) -> list[int]:
    """Recipients as unique ids in first-seen order: a user, an id, or any iterable/queryset of them."""
    if recipients is None:
        return []
    if isinstance(recipients, models.Model) or isinstance(recipients, int):
        recipients = [recipients]
    ids: dict[int, None] = {}
    for r in recipients:
        if r is None:
            continue
        pk = r.pk if isinstance(r, models.Model) else int(r)
        if pk is not None:
            ids.setdefault(pk, None)
    return list(ids)


def notify(
    recipients: Any,
    kind: str,
    obj: models.Model | None,
    message: Any,
    *,
    url: str | None = None,
) -> list[int]:
    """Tell ``recipients`` (users, ids, a queryset; duplicates and ``None`` ignored) about ``obj``.

    ``kind`` is the sending app's constant ("reviews.returned"); ``message`` is what the person reads
    (Japanese, rendered now in the active language); ``url`` defaults to ``obj.get_absolute_url()``.
    Inbox rows are created when the current transaction commits (immediately outside one); inactive
    users are skipped; those who enabled e-mail also get a mail through Django's mail backend.
    Returns the recipient ids that will be told (before the inactive-user filter).
    """
    ids = _user_ids(recipients)
    if not ids:
        return []
    text = str(message).strip()[:_MAX_MESSAGE]
    if not text:
        raise ValueError("a notification needs a message")
    if url is None and obj is not None and hasattr(obj, "get_absolute_url"):
        try:
            url = obj.get_absolute_url()
        except Exception:  # noqa: BLE001 - an object without a page still gets its notification
            url = ""
    target = {
        "content_type": ContentType.objects.get_for_model(obj, for_concrete_model=True)
        if obj is not None
        else None,
        "object_id": obj.pk if obj is not None else None,
        "object_repr": str(obj)[:300] if obj is not None else "",
    }
    kind = kind[:60]
    url = (url or "")[:500]

    def deliver() -> None:
        _deliver(ids, kind, target, text, url)

    transaction.on_commit(deliver)
    return ids


def _deliver(ids: list[int], kind: str, target: dict, text: str, url: str) -> None:
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    now = timezone.now()
    Notification.objects.bulk_create(
        [Notification(recipient=u, kind=kind, message=text, url=url, created_at=now, **target) for u in users]
    )
    mail_to = set(
        NotificationPreference.objects.filter(user__in=[u.pk for u in users], email_enabled=True).values_list(
            "user_id", flat=True
        )
    )
    mails = [_mail(u, text, url) for u in users if u.pk in mail_to and u.email]
    if not mails:
        return
    try:
        get_connection().send_messages(mails)
    except Exception:  # noqa: BLE001 - the inbox row is the record; mail is best effort
        logger.exception("notification mail failed (%s recipients, kind %s)", len(mails), kind)


def _mail(user, text: str, url: str) -> EmailMessage:
    base = getattr(settings, "SAITEKI_SITE_URL", "").rstrip("/")
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        first_line = text.splitlines()[0][:60]
        subject = _("[最適 Saiteki] %(message)s") % {"message": first_line}
        link = f"\n\n{base}{url}" if url else ""
        body = _(
            "%(message)s%(link)s\n\n（この通知は受信箱でも確認できます。メールの受け取りは通知設定で変更できます。）"
        ) % {
            "message": text,
            "link": link,
        }
    return EmailMessage(subject=subject, body=body, to=[user.email])


# ---------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------


def inbox_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first within each."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by(models.F("read_at").asc(nulls_first=True), "-created_at", "-id")


def unread_count(user) -> int:
    """How many of the user's notifications are unread (the header badge)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_for(user) -> NotificationPreference:
    """The user's preference (unsaved defaults when they never changed it)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


# ---------------------------------------------------------------------------------------------------
# The inbox's writes
# ---------------------------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (someone else's is "not found")."""
    from saiteki.core.errors import NotFoundError

    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotFoundError()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark all (or the given) unread notifications of the user read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user, email_enabled: bool) -> NotificationPreference:
    """Turn e-mail on or off for the user."""
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.email_enabled = bool(email_enabled)
    pref.full_clean()
    pref.save()
    return pref
