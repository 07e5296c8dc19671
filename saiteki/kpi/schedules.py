from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from .choices import JOB_REFRESH

reg.registry.register_schedule(
    reg.Schedule(name="kpi.refresh", job_kind=JOB_REFRESH, title=_("評価指標の再集計（夜間）"), at="03:00")
)
