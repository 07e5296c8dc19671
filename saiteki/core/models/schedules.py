"""Scheduled-job runs: the claim that makes a recurring job run once per due time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduleRun(models.Model):
    """One run of a declared schedule (``registry.Schedule``) for one due time.

    The unique (schedule, due time) pair is the lock: every scheduler process inserts the row for a
    due time inside a transaction together with the job it enqueues; a second scheduler's insert
    fails and it skips, so the job runs once even with two schedulers running. Manual runs
    (「今すぐ実行」) use the moment of the click as their due time.
    """

    schedule = models.CharField(_("定期処理"), max_length=100)
    due_at = models.DateTimeField(_("予定日時"))
    claimed_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    manual = models.BooleanField(_("手動実行"), default=False)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], name="schedule_run_once_per_due_time")
        ]
        indexes = [models.Index(fields=["schedule", "-due_at"], name="schedule_run_latest")]
        verbose_name = _("定期処理の実行")
        verbose_name_plural = _("定期処理の実行")

    def __str__(self) -> str:
        return f"{self.schedule} @ {self.due_at:%Y-%m-%d %H:%M}"
