"""Multi-year consolidation plans (SPEC C8): which hosts are in service, which machines move and
which hosts are bought in each fiscal year, and what that costs over the plan's horizon.

Why this exists beside the one-shot optimizer: buying every host in the first year pays maintenance,
licences and power for hosts that stand half empty until the machines whose hardware support ends
later arrive. A plan over fiscal years moves each machine in the year it has to move, fills the hosts
that already exist first (while they are in service), and buys a new host only in the year it is first
needed. The packing itself is the engine's (:func:`saiteki.consolidation.optimizer.solve_packing`,
called through its public API); this package decides *what* is packed *when*, and prices the result.

Three candidate plans are built and the cheapest valid one over the horizon is kept:

- ``staged``: year by year, the year's movers are packed into the free room of the hosts in service
  (existing hosts first: they are pre-opened bins) and only the rest opens new hosts;
- ``staged_lasting``: the same, but movers only go to existing hosts that stay in service until the
  end of the plan (no machine moves twice; cheaper when migrations are expensive);
- ``single_packing``: one packing of every machine at once (the fewest hosts for the final year),
  each new host bought in the first year one of its machines arrives.

The *single-shot* comparison is the ``single_packing`` plan with every new host bought in the first
year — what the planner did before plans had years.

Every year of the chosen plan is verified by the optimizer's independent checker (capacity, segments,
anti-affinity, N+1) on that year's machines and hosts. Pure Python on plain data, no database, so it is
unit-tested on hand-solvable cases and benchmarked at 2,000 machines.

The package is split by concern: :mod:`.problem` (the question as plain data, stored in a run's
inputs), :mod:`.state` (the working state the other modules share), :mod:`.packing` (the candidate
plans), :mod:`.evaluation` (each year's check and cost) and :mod:`.planner` (the entry point). The
underscore names are internal to the package; callers use what is exported here.
"""

from __future__ import annotations

from saiteki.consolidation.planning.planner import STAGES, Report, final_result, plan, scenario_for_check
from saiteki.consolidation.planning.problem import (
    CATEGORIES,
    HOURS_PER_YEAR,
    SINGLE_PACKING,
    STAGED,
    STAGED_LASTING,
    ExistingHostSpec,
    PlanCancelled,
    PlanCosts,
    PlanProblem,
    existing_model_id,
)

__all__ = [
    "CATEGORIES",
    "HOURS_PER_YEAR",
    "SINGLE_PACKING",
    "STAGED",
    "STAGED_LASTING",
    "STAGES",
    "ExistingHostSpec",
    "PlanCancelled",
    "PlanCosts",
    "PlanProblem",
    "Report",
    "existing_model_id",
    "final_result",
    "plan",
    "scenario_for_check",
]
