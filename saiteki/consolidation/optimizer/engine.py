"""The packing pipeline for one rule-free problem: bounds → constructive portfolio → bound-meeting
search → (small instances) exact search.

Order matters for the time budget: cheap bounds first, because whenever a heuristic meets a bound the
run stops at once and the remaining time is not spent; the expensive LP bound only when a gap remains.
The result always starts from FFD's solution, so it is never worse than FFD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import arcflow, exact
from .bounds import quick_lower_bound
from .heuristics import ffd, portfolio
from .lns import lns_reduce
from .local_search import SearchBudget, improve
from .packing import PackingProblem, is_valid

Bins = list[list[int]]


@dataclass
class PackOutcome:
    """Bins (item indices per bin, pre-opened bins first), the best proven lower bound, and how the
    time was spent (for the benchmark and the ADR)."""

    bins: Bins
    lower_bound: int
    ffd_bins: int
    seconds: float
    method: str
    log: list[str] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        return len(self.bins) <= self.lower_bound


def solve_packing(
    problem: PackingProblem,
    time_limit: float = 10.0,
    seed: int = 0,
    max_iterations: int | None = None,
    use_lp: bool = True,
    use_exact: bool = True,
) -> PackOutcome:
    """Best packing found within ``time_limit`` seconds.  ``max_iterations`` caps the local search so a
    run is reproducible regardless of machine speed (tests use it)."""
    t0 = time.monotonic()
    # Phases check the clock between steps, not inside them; keep a margin so the step in flight
    # (a CP-SAT call, a consolidation pass) ends inside the caller's limit.
    deadline = t0 + max(time_limit, 0.0) * 0.93
    rng = np.random.default_rng(seed)
    log: list[str] = []
    lb = quick_lower_bound(problem)
    base = ffd(problem)
    ffd_n = len(base)
    best = base
    method = "ffd"
    if len(best) > lb:
        sol, name = portfolio(problem, lambda: time.monotonic() >= deadline)
        if len(sol) < len(best):
            best, method = sol, name
    log.append(f"lb={lb} ffd={ffd_n} portfolio={len(best)} t={time.monotonic() - t0:.2f}")

    budget = SearchBudget(deadline=deadline, max_iterations=max_iterations)
    lp_ok = use_lp and arcflow.applicable(problem)
    ex_ok = use_exact and exact.applicable(problem)

    def search(start: Bins, until: float) -> Bins:
        budget.deadline = min(until, deadline)
        return improve(problem, start, lb, rng, budget)

    # 1. Short local search: most instances reach the cheap bound here.
    if len(best) > lb:
        frac = 0.15 if (lp_ok or ex_ok) else 0.5
        sol = search(best, t0 + (deadline - t0) * frac)
        if len(sol) < len(best):
            best, method = sol, "local_search"
        log.append(f"ls1={len(best)} t={time.monotonic() - t0:.2f}")

    # 2. Arc-flow LP bound (1-D): proves optimality, then guides a dive towards a packing meeting it.
    start = best
    if lp_ok and len(best) > lb and time.monotonic() < deadline:
        res = arcflow.lp_bound(problem, time_limit=max(0.1, (deadline - time.monotonic()) * 0.5))
        if res is not None:
            lb = max(lb, res.bound)
            log.append(f"arcflow lb={res.bound} t={time.monotonic() - t0:.2f}")
            if len(best) > lb:
                sol = arcflow.dive(problem, res, deadline=t0 + (deadline - t0) * 0.7, rng=rng)
                if sol is not None and is_valid(problem, sol) and len(sol) <= len(best):
                    if len(sol) < len(best):
                        best, method = sol, "arcflow_dive"
                    start = sol  # an equally good but different start diversifies the search
                    log.append(f"dive={len(sol)} t={time.monotonic() - t0:.2f}")

    # 3. Alternate exact repair of the least-full bins (LNS) and the local search until the end (or
    #    half the rest when the CP-SAT model follows).
    if len(best) > lb and time.monotonic() < deadline:
        until = deadline if not ex_ok else time.monotonic() + (deadline - time.monotonic()) * 0.5
        cur = start
        while len(best) > lb and time.monotonic() < until - 0.05:
            slot = min(until, time.monotonic() + max(1.0, (until - t0) * 0.1))
            cur = lns_reduce(problem, cur, lb, rng, slot, seed=seed)
            if len(cur) < len(best):
                best, method = cur, "lns"
            if len(best) <= lb:
                break
            cur = search(cur, min(until, time.monotonic() + max(0.5, (until - t0) * 0.05)))
            if len(cur) < len(best):
                best, method = cur, "local_search"
        log.append(f"lns/ls={len(best)} t={time.monotonic() - t0:.2f}")

    # 4. CP-SAT for small instances: may find what the search missed, or prove the bound.
    if ex_ok and len(best) > lb and time.monotonic() < deadline:
        res_ex = exact.search(problem, best, lb, deadline=deadline, seed=seed)
        if res_ex.bins is not None and len(res_ex.bins) < len(best) and is_valid(problem, res_ex.bins):
            best, method = res_ex.bins, "cp_sat"
        lb = max(lb, res_ex.lower_bound)
        log.append(f"exact={len(best)} lb={lb} t={time.monotonic() - t0:.2f}")

    if not is_valid(problem, best):  # defensive: never hand out a broken packing
        best, method = base, "ffd"
    lb = min(lb, len(best))
    return PackOutcome(
        bins=best,
        lower_bound=lb,
        ffd_bins=ffd_n,
        seconds=time.monotonic() - t0,
        method=method,
        log=log,
    )
