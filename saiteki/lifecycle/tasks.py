"""Background job kinds of the lifecycle app (thin: load, call one service, report)."""

from django.utils.translation import gettext as _

from saiteki.core.jobs import job_kind

from . import services

MATCH_JOB = "lifecycle.match"
REMIND_JOB = "lifecycle.remind"


@job_kind(MATCH_JOB)
def match_components(job, report) -> dict:
    """Re-match every ledger component against the catalogue and the rules."""
    report(10, _("照合中"))
    result = services.components_match(rematch_all=bool(job.params.get("all")))
    report(100, _("完了"))
    return result


@job_kind(REMIND_JOB)
def remind_owners(job, report) -> dict:
    """Tell owners about support and maintenance ends coming within the lead times."""
    return {"sent": services.reminders_send()}
