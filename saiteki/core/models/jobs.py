"""Background job records: what the user started, how far it has got, what came out.

The queue itself is django-tasks with its database backend (works on SQLite and PostgreSQL); this
record is ours, so the UI can show progress and results regardless of the queue's internals, and so a
user can leave a long import or optimisation and come back to it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("実行中")
        SUCCEEDED = "succeeded", _("完了")
        FAILED = "failed", _("失敗")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("種類"), max_length=60)
    title = models.CharField(_("件名"), max_length=200)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("進捗(%)"), default=0)
    message = models.CharField(_("状況"), max_length=300, blank=True)
    params = models.JSONField(_("入力"), default=dict, blank=True)
    result = models.JSONField(_("結果"), null=True, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("バックグラウンド処理")
        verbose_name_plural = _("バックグラウンド処理")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_lte_100"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
