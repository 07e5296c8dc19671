"""Background job kinds of the reviews app (thin: call one service, report)."""

from saiteki.core.jobs import job_kind

REMIND_JOB = "reviews.remind_overdue"


@job_kind(REMIND_JOB)
def remind_overdue(job, report) -> dict:
    """Remind whoever holds an overdue case or opinion (at most once a day each)."""
    import datetime

    from . import services

    due_at = job.params.get("due_at")
    today = datetime.datetime.fromisoformat(due_at).date() if due_at else None
    report(10, "督促中")
    result = services.reminders_send(today=today)
    report(100, "完了")
    return result
