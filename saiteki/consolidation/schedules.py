"""Scheduled job of the planner: the reaper (集約計算の点検) that marks runs whose worker died as failed."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg
from saiteki.core.jobs import job_kind

REAP = "consolidation.reap"


@job_kind(REAP)
def reap_runs(job, report) -> dict:
    """Fail the runs that stopped reporting (thin: one service)."""
    from saiteki.consolidation.services import runs_reap

    reaped = runs_reap()
    report(100, _("応答のない集約計算 %(n)d件を失敗として記録しました。") % {"n": len(reaped)})
    return {"reaped": reaped}


reg.registry.register_schedule(
    reg.Schedule(
        name="consolidation.reap",
        job_kind=REAP,
        title=gettext_lazy("集約計算の点検（応答のない計算を失敗として記録）"),
        every_minutes=5,
    )
)
