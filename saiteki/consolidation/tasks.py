"""Background job of the planner: one run of the optimizer (thin: loads by id, calls one service)."""

from __future__ import annotations

from saiteki.consolidation import services
from saiteki.core.jobs import job_kind


@job_kind(services.JOB_KIND)
def run_scenario(job, report) -> dict:
    """Solve the queued run named in the job; the result's ``url`` is linked from the progress bar."""
    return services.scenario_run_execute(run_id=int(job.params["run_id"]), report=report)
