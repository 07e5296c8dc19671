"""Platform writes: karte entries and background jobs."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core.attachments import attachment_errors, attachment_name_normalise
from saiteki.core.errors import ValidationFailed
from saiteki.core.models import Job, JournalAttachment, JournalEntry


@transaction.atomic
def journal_entry_create(
    *, obj, author, kind: str, date: datetime.date | None, title: str, body: str = "", files=()
) -> JournalEntry:
    """Add a human-written karte entry to any business object (all-or-nothing with its files)."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("件名を入力してください。")]
    if kind not in JournalEntry.Kind.values:
        errors["kind"] = [_("種別を選択してください。")]
    if date is None:
        errors["date"] = [_("日付を入力してください。")]
    for f in files:
        errors.setdefault("files", []).extend(attachment_errors(f))
    if not errors.get("files"):
        errors.pop("files", None)
    if errors:
        raise ValidationFailed(
            _("カルテ記録を保存できませんでした。入力内容を確認してください。"), fields=errors
        )
    assert date is not None  # a missing date is one of the errors above
    entry = JournalEntry(
        object=obj,
        kind=kind,
        date=date,
        title=title,
        body=body or "",
        author=author,
        author_name=str(author) if author else "",
    )
    entry.full_clean()
    entry.save()
    for f in files:
        name = attachment_name_normalise(f.name)
        f.name = name  # the stored file gets the cleaned name too (storage adds a suffix if taken)
        JournalAttachment.objects.create(entry=entry, file=f, name=name, size=f.size)
    return entry


def job_create(*, kind: str, title: str, params: dict, user=None) -> Job:
    """Create a job record; the caller enqueues the task with the job's id after the transaction commits."""
    return Job.objects.create(kind=kind, title=title, params=params, created_by=user)


def job_progress(*, job_id, progress: int, message: str = "") -> None:
    """Report progress from a worker (a plain UPDATE, so it is visible before the job's work commits)."""
    Job.objects.filter(pk=job_id).update(
        progress=max(0, min(100, int(progress))), message=message[:300], status=Job.Status.RUNNING
    )


def job_start(*, job_id) -> None:
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, started_at=timezone.now())


def job_finish(*, job_id, result: dict | None = None, error: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED if error else Job.Status.SUCCEEDED,
        progress=100 if not error else Job.objects.get(pk=job_id).progress,
        result=result,
        error=error,
        finished_at=timezone.now(),
    )
