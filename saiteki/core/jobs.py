"""Running long work in the background with a progress record.

A job kind is a plain function ``fn(job, report)`` registered with :func:`job_kind`; ``report(pct,
message)`` updates the job record. :func:`job_enqueue` creates the record and hands its id to the real
queue (django-tasks, database backend); the worker (``manage.py db_worker``) runs
:func:`run_job`, which loads the job, calls the function and stores the result or the error. Tasks take
ids only (STYLE.md habit 9).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django_tasks import task

from saiteki.core import services
from saiteki.core.context import change_context
from saiteki.core.models import Job
from saiteki.core.registry import registry

logger = logging.getLogger("saiteki.jobs")


def job_kind(name: str):
    """Register a function as a job kind (in the platform registry, where the worker finds it)."""

    def decorator(fn: Callable) -> Callable:
        registry.register_job_kind(name, fn)
        return fn

    return decorator


def job_enqueue(*, kind: str, title: str, params: dict, user=None) -> Job:
    if kind not in registry.job_kinds:
        raise KeyError(kind)
    job = services.job_create(kind=kind, title=title, params=params, user=user)

    def _enqueue():
        result = run_job.enqueue(str(job.pk))
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(_enqueue)
    return job


@task()
def run_job(job_id: str) -> None:
    job = Job.objects.select_related("created_by").get(pk=job_id)
    fn = registry.job_kinds.get(job.kind)
    services.job_start(job_id=job.pk)

    def report(progress: int, message: str = "") -> None:
        services.job_progress(job_id=job.pk, progress=progress, message=message)

    try:
        if fn is None:
            raise LookupError(f"unknown job kind {job.kind}")
        with change_context(user=job.created_by):
            result = fn(job, report)
    except Exception as exc:  # noqa: BLE001 - every failure must end up on the job record
        logger.exception("job %s failed", job_id)
        services.job_finish(job_id=job.pk, error=f"{exc}\n{traceback.format_exc(limit=5)}")
        return
    services.job_finish(job_id=job.pk, result=result if isinstance(result, dict) else {"value": result})


@job_kind("core.selftest")
def _selftest(job: Job, report) -> dict:
    """A tiny job used by the demo page and tests to show the queue and progress display work."""
    steps = int(job.params.get("steps", 5))
    for i in range(steps):
        report(int((i + 1) * 100 / steps), f"{i + 1}/{steps}")
    return {"steps": steps}
