"""Scheduled jobs of the lifecycle app: nightly re-match, morning reminders."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from .tasks import MATCH_JOB, REMIND_JOB

reg.registry.register_schedule(
    reg.Schedule(name="lifecycle.match", job_kind=MATCH_JOB, title=_("EOLカタログとの照合"), at="02:30")
)
reg.registry.register_schedule(
    reg.Schedule(
        name="lifecycle.remind", job_kind=REMIND_JOB, title=_("サポート期限・保守期限の事前通知"), at="07:30"
    )
)
