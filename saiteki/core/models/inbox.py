"""The per-user inbox: notifications created by services through ``saiteki.core.notifications.notify``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person about one object (a review was sent back, a licence expires).

    The object is referenced by content type and id, and its text is copied, so the message still
    reads correctly after the object is deleted. ``kind`` is the sending app's constant
    ("reviews.returned"), for filtering and for tests; the person reads ``message``.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("宛先"),
    )
    kind = models.CharField(_("種類"), max_length=60)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    object_repr = models.CharField(_("対象"), max_length=300, blank=True)
    message = models.TextField(_("内容"))
    url = models.CharField(_("リンク"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("通知日時"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")

    def __str__(self) -> str:
        return self.message[:80]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a person wants to be told: the inbox always, e-mail only when they opt in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(
        _("メールでも受け取る"),
        default=False,
        help_text=_("お知らせが届いたとき、登録されたメールアドレスにも送ります。"),
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("通知設定")
        verbose_name_plural = _("通知設定")

    def __str__(self) -> str:
        return f"{self.user}: {'mail' if self.email_enabled else 'inbox'}"
