"""The karte journal: human-written entries about any business object (Okayama's カルテ化).

Kept apart from the machine change log (NetBox's ``JournalEntry``): the change log says what changed,
the karte says why, what was discussed and what went wrong — the knowledge that used to leave with
rotating staff.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import BusinessModel


class JournalEntry(BusinessModel):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("相談")
        MODIFICATION = "modification", _("改修")
        INCIDENT = "incident", _("障害")
        EVALUATION = "evaluation", _("評価")
        PROPOSAL = "proposal", _("提案")
        AUDIT_FINDING = "audit_finding", _("監査指摘")
        NOTE = "note", _("メモ")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    date = models.DateField(_("日付"))
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("記入者"), max_length=150, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-date"])]
        verbose_name = _("カルテ記録")
        verbose_name_plural = _("カルテ記録")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def changelog_related(self):
        return [self.object] if self.object is not None else []


def journal_upload_to(instance: JournalAttachment, filename: str) -> str:
    return f"journal/{instance.entry_id}/{filename}"


class JournalAttachment(models.Model):
    """A file attached to a karte entry (minutes, screenshots, vendor reports)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("ファイル"), upload_to=journal_upload_to)
    name = models.CharField(_("ファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")

    def __str__(self) -> str:
        return self.name
