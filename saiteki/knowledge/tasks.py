"""Background jobs of the knowledge base (thin: they call one service)."""

from django.utils.translation import gettext as _

from saiteki.core.jobs import job_kind

from .services import stale_articles_remind

STALE_REMINDER = "knowledge.stale_reminder"


@job_kind(STALE_REMINDER)
def stale_reminder(job, report) -> dict:
    """Remind the owners of articles past their review-by date (run daily by the scheduler)."""
    count = stale_articles_remind()
    report(100, _("%(n)s件の記事について担当者に通知しました。") % {"n": count})
    return {"reminded": count}
