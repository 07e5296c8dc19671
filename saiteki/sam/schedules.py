"""Scheduled jobs of the SAM app: every morning, reconcile and send the shortfall and expiry notices."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from .tasks import DAILY_JOB

reg.registry.register_schedule(
    reg.Schedule(
        name="sam.daily",
        job_kind=DAILY_JOB,
        title=_("ライセンス照合と不足・期限切れの通知"),
        at="06:30",
    )
)
