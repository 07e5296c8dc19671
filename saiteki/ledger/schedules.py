"""Scheduled jobs of the ledger: the daily division-survey reminder (調査票の督促)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg
from saiteki.core.jobs import job_kind

SURVEY_REMINDERS = "ledger.survey_reminders"


@job_kind(SURVEY_REMINDERS)
def survey_reminders(job, report) -> dict:
    """Remind the divisions that have not answered a survey as its due date nears (thin: one service)."""
    from saiteki.ledger.surveys import survey_reminders_send

    count = survey_reminders_send()
    report(100, _("%(n)s所属に調査票の回答を依頼しました。") % {"n": count})
    return {"reminded": count}


reg.registry.register_schedule(
    reg.Schedule(
        name="ledger.survey_reminders",
        job_kind=SURVEY_REMINDERS,
        title=gettext_lazy("調査票の督促（未回答・差戻しの所属へ）"),
        at="08:00",
    )
)
