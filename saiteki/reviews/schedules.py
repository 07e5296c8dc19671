"""Scheduled jobs of the reviews app: the morning reminder of overdue cases and opinions."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from .tasks import REMIND_JOB

reg.registry.register_schedule(
    reg.Schedule(
        name="reviews.remind_overdue", job_kind=REMIND_JOB, title=_("審査の期限超過の督促"), at="08:00"
    )
)
