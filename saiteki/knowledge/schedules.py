"""Scheduled jobs of the knowledge base: the daily stale-article reminder."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from .tasks import STALE_REMINDER

reg.registry.register_schedule(
    reg.Schedule(
        name="knowledge.stale_reminder",
        job_kind=STALE_REMINDER,
        title=_("ナレッジ記事の見直し期限の通知"),
        at="07:30",
    )
)
