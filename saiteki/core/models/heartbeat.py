"""Worker heartbeats: the background processes say, every few seconds, that they are alive.

A stopped worker is silent: queued imports and reports simply wait, and nobody notices until a user
asks why their job has not started. The worker (``manage.py run_worker``) and the scheduler
(``manage.py run_scheduler``) therefore write a row here on a timer; ``/healthz`` reports "degraded"
when no live worker has beaten recently, and the 運用状況 page lists every process with the age of its
last beat (see :mod:`saiteki.core.health`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    class Kind(models.TextChoices):
        WORKER = "worker", _("ワーカー")
        SCHEDULER = "scheduler", _("スケジューラ")

    worker_id = models.CharField(_("プロセスID"), max_length=64, unique=True)
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices, default=Kind.WORKER)
    hostname = models.CharField(_("ホスト名"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("PID"), null=True, blank=True)
    started_at = models.DateTimeField(_("起動日時"), default=timezone.now)
    beat_at = models.DateTimeField(_("最終応答"), default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(_("停止日時"), null=True, blank=True)
    #: What the process is doing now: empty when idle, else the task it runs (name and id).
    current = models.CharField(_("実行中の処理"), max_length=300, blank=True)
    tasks_done = models.PositiveIntegerField(_("処理件数"), default=0)

    class Meta:
        ordering = ["kind", "-beat_at"]
        verbose_name = _("ワーカーの応答記録")
        verbose_name_plural = _("ワーカーの応答記録")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hostname}:{self.pid}"
