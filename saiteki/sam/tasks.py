"""Background job kinds of the SAM app (thin: call one service, report progress)."""

from __future__ import annotations

import datetime

from saiteki.core.jobs import job_kind

from . import notices, services

RECONCILE_JOB = "sam.reconcile"
DAILY_JOB = "sam.daily"


@job_kind(RECONCILE_JOB)
def reconcile(job, report) -> dict:
    """Reconcile every licensable title now (the dashboard's 「照合を実行」); the result page is the run."""
    from django.urls import reverse

    run = services.reconciliation_run(user=job.created_by, report=report)
    return {
        "run": run.pk,
        "shortfall": run.shortfall,
        "seconds": run.seconds,
        "url": reverse("sam:run_detail", args=[run.pk]),
    }


@job_kind(DAILY_JOB)
def daily(job, report) -> dict:
    """The morning job: reconcile, tell 所属 about new shortfalls, warn of licence terms ending soon.
    Uses the schedule's due date, so a late run does the same work."""
    due = job.params.get("due_at")
    today = datetime.datetime.fromisoformat(due).date() if due else None
    return notices.daily(today=today)
