"""Recurring jobs: apps declare them, a small scheduler enqueues them, the worker runs them.

An app declares ``reg.registry.register_schedule(reg.Schedule(name=, job_kind=, title=,
every_minutes=N | at="HH:MM", params={}))`` in its ``schedules.py``. ``manage.py run_scheduler`` wakes
every few seconds and calls :func:`scheduler_tick`, which computes for every schedule its latest due
time and, if that due time has not been claimed yet, claims it and enqueues the job kind through
:func:`saiteki.core.jobs.job_enqueue`. The scheduler only enqueues; ``db_worker`` runs the job.

Why not cron or a library: django-crontask needs Django 6 / Python 3.12, APScheduler is not a
dependency, and system cron would not know the schedules apps declare. The loop is tiny; the part that
matters is the claim.

Once per due time, even with two schedulers: the claim is a :class:`~saiteki.core.models.ScheduleRun`
row with a unique (schedule, due_at) constraint, inserted in the same transaction as the job record.
The second scheduler's insert violates the constraint and it skips that schedule. The task is handed to
the queue only after that transaction commits (``job_enqueue`` uses ``on_commit``).

Due times (in the site's time zone, ``TIME_ZONE``):

* ``at="HH:MM"`` — every day at that time;
* ``every_minutes=N`` — at multiples of N minutes counted from Monday 2000-01-03 00:00, so 60 runs on
  the hour, 1440 at midnight, 10080 on Monday at midnight.

Missed runs: when the scheduler was stopped over several due times, only the latest one runs when it
comes back (anacron-like): a nightly reminder runs once late rather than not at all or three times.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from saiteki.core.errors import NotFoundError, ValidationFailed
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import Job, ScheduleRun
from saiteki.core.registry import Schedule, registry

logger = logging.getLogger("saiteki.scheduler")

_ANCHOR = datetime.datetime(2000, 1, 3)  # a Monday, local midnight


def _local_naive(now: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(now).replace(tzinfo=None)


def _aware(local: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(local, timezone.get_current_timezone())


def _at(schedule: Schedule) -> datetime.time:
    hours, _sep, minutes = schedule.at.partition(":")
    return datetime.time(int(hours), int(minutes))


def schedule_due_at(schedule: Schedule, now: datetime.datetime | None = None) -> datetime.datetime:
    """The latest due time of ``schedule`` at or before ``now`` (aware, second precision)."""
    local = _local_naive(now or timezone.now()).replace(second=0, microsecond=0)
    if schedule.at:
        due = datetime.datetime.combine(local.date(), _at(schedule))
        if due > local:
            due -= datetime.timedelta(days=1)
        return _aware(due)
    step = int(schedule.every_minutes)
    minutes = int((local - _ANCHOR).total_seconds() // 60)
    return _aware(_ANCHOR + datetime.timedelta(minutes=minutes - minutes % step))


def schedule_next_at(schedule: Schedule, now: datetime.datetime | None = None) -> datetime.datetime:
    """The first due time after ``now``."""
    latest = _local_naive(schedule_due_at(schedule, now))
    step = datetime.timedelta(days=1) if schedule.at else datetime.timedelta(minutes=schedule.every_minutes)
    return _aware(latest + step)


def schedule_timing_label(schedule: Schedule) -> str:
    """「毎日 02:00」「60分ごと」 — how often, as people say it."""
    if schedule.at:
        return _("毎日 %(at)s") % {"at": schedule.at}
    if schedule.every_minutes % 1440 == 0:
        return _("%(days)s日ごと") % {"days": schedule.every_minutes // 1440}
    if schedule.every_minutes % 60 == 0:
        return _("%(hours)s時間ごと") % {"hours": schedule.every_minutes // 60}
    return _("%(minutes)s分ごと") % {"minutes": schedule.every_minutes}


def _title(schedule: Schedule) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(schedule.title)[:200]


def schedule_claim(
    *, schedule: Schedule, due_at: datetime.datetime, user=None, manual: bool = False
) -> ScheduleRun | None:
    """Claim ``due_at`` for ``schedule`` and enqueue its job; None when another scheduler has it.

    The run row and the job record commit together (the task reaches the queue after the commit), so a
    due time is either claimed with its job or not at all.
    """
    if schedule.job_kind not in registry.job_kinds:
        raise KeyError(f"schedule {schedule.name}: unknown job kind {schedule.job_kind}")
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(
                schedule=schedule.name,
                due_at=due_at,
                manual=manual,
                triggered_by=user,
            )
            params: dict[str, Any] = {
                **schedule.params,
                "schedule": schedule.name,
                "due_at": due_at.isoformat(),
            }
            run.job = job_enqueue(kind=schedule.job_kind, title=_title(schedule), params=params, user=user)
            run.save(update_fields=["job"])
    except IntegrityError:
        return None
    return run


def scheduler_tick(*, now: datetime.datetime | None = None) -> list[ScheduleRun]:
    """One pass: claim and enqueue every schedule whose latest due time is not yet claimed."""
    now = now or timezone.now()
    claimed: list[ScheduleRun] = []
    for schedule in sorted(registry.schedules.values(), key=lambda s: s.name):
        due_at = schedule_due_at(schedule, now)
        if ScheduleRun.objects.filter(schedule=schedule.name, due_at=due_at).exists():
            continue  # the common case, without provoking an integrity error
        try:
            run = schedule_claim(schedule=schedule, due_at=due_at)
        except Exception:  # noqa: BLE001 - one broken schedule must not stop the others
            logger.exception("schedule %s could not be enqueued", schedule.name)
            continue
        if run is not None:
            logger.info("schedule %s enqueued for %s (job %s)", schedule.name, due_at, run.job_id)
            claimed.append(run)
    return claimed


def schedule_run_now(*, name: str, user) -> ScheduleRun:
    """「今すぐ実行」: enqueue a schedule's job at once, as ``user`` (the caller checks the right)."""
    schedule = registry.schedules.get(name)
    if schedule is None:
        raise NotFoundError(_("定期処理「%(name)s」はありません。") % {"name": name})
    run = schedule_claim(schedule=schedule, due_at=timezone.now(), user=user, manual=True)
    if run is None:
        raise ValidationFailed(_("同時に実行が要求されました。もう一度お試しください。"))
    return run


# ---------------------------------------------------------------------------------------------------
# Reads (the schedules page)
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleStatus:
    """A schedule as the schedules page shows it."""

    schedule: Schedule
    title: str
    timing: str
    next_at: datetime.datetime
    last_run: ScheduleRun | None
    last_job: Job | None

    @property
    def status_label(self) -> str:
        if self.last_run is None:
            return str(_("未実行"))
        if self.last_job is None:
            return str(_("不明"))
        return str(self.last_job.get_status_display())

    @property
    def result_summary(self) -> str:
        job = self.last_job
        if job is None:
            return ""
        if job.error:
            return job.error.strip().splitlines()[0][:200]
        if isinstance(job.result, dict):
            return "、".join(f"{k}: {v}" for k, v in job.result.items())[:200]
        return job.message


def schedules_overview(*, now: datetime.datetime | None = None) -> list[ScheduleStatus]:
    """Every declared schedule with its next due time and its latest run (two queries in all)."""
    now = now or timezone.now()
    schedules = sorted(registry.schedules.values(), key=lambda s: s.name)
    names = [s.name for s in schedules]
    # The newest claim per schedule (ids grow with claim time): one aggregate, then those rows.
    last_ids = (
        ScheduleRun.objects.filter(schedule__in=names)
        .values("schedule")
        .annotate(last=models.Max("id"))
        .values_list("last", flat=True)
    )
    latest = {
        run.schedule: run for run in ScheduleRun.objects.filter(pk__in=list(last_ids)).select_related("job")
    }
    return [
        ScheduleStatus(
            schedule=s,
            title=str(s.title),
            timing=schedule_timing_label(s),
            next_at=schedule_next_at(s, now),
            last_run=latest.get(s.name),
            last_job=latest[s.name].job if s.name in latest else None,
        )
        for s in schedules
    ]
