"""The planner's entry point: build the candidate plans, price them, let the checker verify the
cheapest, and shape the result; plus the plan's final year as a one-shot result for the pages, the
export and the checker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.optimizer import stop as opt_stop
from saiteki.consolidation.planning.evaluation import (
    _evaluate,
    _fits_now,
    _single_shot_cost,
    _year_result,
    _year_scenario,
)
from saiteki.consolidation.planning.packing import _renumber, _single_packing, _staged
from saiteki.consolidation.planning.problem import (
    SINGLE_PACKING,
    STAGED,
    STAGED_LASTING,
    PlanCancelled,
    PlanProblem,
)
from saiteki.consolidation.planning.state import (
    _Budget,
    _Context,
    _Host,
    _host_at,
    _natural,
    _Plan,
    _year_state,
)

#: ``report(percent, stage)``: stage is one of these keys (the app words them).
STAGES = ("single_packing", "staged", "staged_lasting", "verify", "fits_now")
Report = Callable[[int, str], None]


def plan(
    problem: PlanProblem,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    report: Report | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Build the candidate plans, verify and price each, keep the cheapest valid one (see module doc).

    Returns a JSON-ready dict: ``rows`` per fiscal year, ``hosts``, each machine's ``itinerary``, the
    chosen ``strategy`` and every candidate's cost, the ``single_shot`` comparison, and — when there are
    existing hosts — ``fits_now``. Raises :class:`PlanCancelled` when ``should_stop`` says so, and
    ``opt.ScenarioError`` for inputs the engine would refuse.
    """
    with opt_stop.watching(should_stop):
        try:
            return _plan(problem, time_limit=time_limit, seed=seed, report=report, should_stop=should_stop)
        except PlanCancelled:
            raise
        except opt.Cancelled as exc:  # a packing inside the plan stopped at the search's next check
            raise PlanCancelled from exc


def _plan(
    problem: PlanProblem,
    *,
    time_limit: float | None,
    seed: int | None,
    report: Report | None,
    should_stop: Callable[[], bool] | None,
) -> dict[str, Any]:
    t0 = time.monotonic()
    sc = problem.scenario
    if not sc.host_models:
        raise opt.ScenarioError("a host model to buy is required")
    if problem.end_fy < problem.start_fy:
        raise opt.ScenarioError("the plan ends before it starts")
    known_hosts = {h.id for h in problem.existing}
    for mid, host_id in problem.resident.items():
        if host_id not in known_hosts:
            raise opt.ScenarioError(f"resident {mid} is on unknown host {host_id}")
    ctx = _Context(problem)
    unknown = [m for m in list(problem.arrival) + list(problem.resident) if m not in ctx.machines]
    if unknown:
        raise opt.ScenarioError(f"unknown machines {unknown[:3]}")
    outside = [m for m, y in problem.arrival.items() if not problem.start_fy <= y <= problem.end_fy]
    if outside:
        raise opt.ScenarioError(f"machines move outside the plan's years: {outside[:3]}")
    too_big = [m for m in ctx.machines if np.any(ctx.demand[m] > ctx.new_usable * (1 + 1e-9) + 1e-9)]
    if too_big:
        raise opt.ScenarioError(f"machines larger than one host: {too_big[:3]}")
    limit = float(sc.time_limit if time_limit is None else time_limit)
    rng_seed = int(sc.seed if seed is None else seed)
    lasting_matters = any(h.last_fy is not None and h.last_fy < problem.end_fy for h in problem.existing)
    n_items = len(problem.arrival) + len(problem.resident)
    shares = {SINGLE_PACKING: 0.35, STAGED: 0.35 if lasting_matters else 0.55, STAGED_LASTING: 0.2}

    def progress(pct: int, stage: str) -> None:
        if report is not None:
            report(pct, stage)

    progress(10, "single_packing")
    single = _single_packing(ctx, _Budget(limit * shares[SINGLE_PACKING], n_items, should_stop), rng_seed)
    candidates = [single]
    progress(35, "staged")
    budget = _Budget(limit * shares[STAGED], n_items * 2, should_stop)
    candidates.append(_staged(ctx, budget, rng_seed, lasting_only=False))
    if lasting_matters:
        progress(55, "staged_lasting")
        budget = _Budget(limit * shares[STAGED_LASTING], n_items * 2, should_stop)
        candidates.append(_staged(ctx, budget, rng_seed, lasting_only=True))
    progress(70, "verify")

    def new_count(c: _Plan) -> int:
        return sum(1 for h in c.hosts.values() if h.kind == "new")

    # Price every candidate, then let the independent checker verify the cheapest, every year; the next
    # cheapest only if it fails (the checker's N+1 search is the expensive part).
    priced = []
    for cand in candidates:
        _renumber(cand.hosts, cand.itinerary, "N")
        priced.append((cand, _evaluate(ctx, cand, check=False)))
    priced.sort(key=lambda ce: (ce[1]["total_cost"], new_count(ce[0])))
    evaluated: list[tuple[_Plan, dict[str, Any]]] = []
    best = best_ev = None
    for cand, _priced_ev in priced:
        if should_stop is not None and should_stop():
            raise PlanCancelled
        checked = _evaluate(ctx, cand)
        evaluated.append((cand, checked))
        if checked["feasible"]:
            best, best_ev = cand, checked
            break
    if best is None or best_ev is None:
        best, best_ev = evaluated[0]
    checked_keys = {c.strategy: e["feasible"] for c, e in evaluated}
    progress(85, "fits_now")
    fits_now = _fits_now(ctx, _Budget(max(limit * 0.1, 0.2), n_items, should_stop), rng_seed)
    single_shot = _single_shot_cost(ctx, single)
    final_state = _year_state(ctx, best, problem.end_fy)
    hosts_out = [
        {
            "key": h.key,
            "kind": h.kind,
            "model": h.model,
            "segment": h.segment if (ctx.sep and isinstance(h.segment, str)) else None,
            "from_fy": h.from_fy if h.kind == "new" else None,
            "last_fy": h.last_fy,
            "usable": {d: round(float(h.usable[j]), 3) for j, d in enumerate(ctx.dims)},
        }
        for h in sorted(best.hosts.values(), key=lambda h: (h.kind != "existing", h.from_fy, _natural(h.key)))
    ]
    return {
        "start": problem.start_fy,
        "end": problem.end_fy,
        "years": problem.years,
        "strategy": best.strategy,
        "strategies": [
            {
                "key": c.strategy,
                "total_cost": e["total_cost"],
                "feasible": checked_keys.get(c.strategy),  # None: more expensive, not needed, not checked
                "new_hosts": new_count(c),
            }
            for c, e in priced
        ],
        "hosts": hosts_out,
        "itinerary": {m: [[fy, k] for fy, k in steps] for m, steps in sorted(best.itinerary.items())},
        "rows": best_ev["rows"],
        "total_cost": best_ev["total_cost"],
        "feasible": best_ev["feasible"],
        "orphans": best_ev["orphans"],
        "new_hosts": new_count(best),
        "final_hosts": len(final_state),
        "lower_bound": min(single.lower_bound, len(final_state)),
        "single_shot": single_shot,
        "saving_vs_single_shot": single_shot["total_cost"] - best_ev["total_cost"],
        "fits_now": fits_now,
        "seconds": round(time.monotonic() - t0, 3),
    }


def final_result(problem: PlanProblem, planned: dict[str, Any]) -> dict[str, Any]:
    """The plan's last year as a :class:`~saiteki.consolidation.optimizer.PlacementResult` dict (hosts in
    service and their machines), so the result page, the export and the checker read it like a
    one-shot result. ``scenario_for_check`` gives the matching scenario."""
    ctx = _Context(problem)
    hosts: dict[str, _Host] = {}
    for h in planned["hosts"]:
        usable = np.array([h["usable"][d] for d in ctx.dims])
        hosts[h["key"]] = _Host(
            key=h["key"],
            kind=h["kind"],
            model=h["model"],
            usable=usable,
            from_fy=h["from_fy"] if h["from_fy"] is not None else -(10**6),
            last_fy=h["last_fy"],
            segment=h["segment"],
        )
    itinerary = {m: [(int(fy), str(k)) for fy, k in steps] for m, steps in planned["itinerary"].items()}
    state = _year_state(ctx, _Plan(planned["strategy"], hosts, itinerary), problem.end_fy)
    result = _year_result(ctx, state)
    d = result.to_dict()
    d["hosts_used"] = len(state)
    d["lower_bound"] = planned["lower_bound"]
    d["gap"] = (
        (len(state) - planned["lower_bound"]) / planned["lower_bound"] if planned["lower_bound"] else 0.0
    )
    d["optimal"] = len(state) <= planned["lower_bound"]
    d["seconds"] = planned["seconds"]
    d["seed"] = problem.scenario.seed
    d["time_limit"] = problem.scenario.time_limit
    d["hosts_per_model"] = {}
    return d


def scenario_for_check(problem: PlanProblem, planned: dict[str, Any]) -> opt.Scenario:
    """The final year's scenario (its machines, the host model and the existing hosts' own models)."""
    ctx = _Context(problem)
    on_platform = {
        m
        for m, steps in planned["itinerary"].items()
        if _host_at([(int(a), b) for a, b in steps], problem.end_fy)
    }
    machines = [ctx.machines[m] for m in sorted(on_platform)]
    return _year_scenario(ctx, machines, {h["model"] for h in planned["hosts"]})
