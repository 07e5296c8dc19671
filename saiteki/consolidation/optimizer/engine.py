"""The packing pipeline for one rule-free problem: bounds → constructive portfolio → bound-meeting
search → (small instances) exact search.

Order matters for the time budget: cheap bounds first, because whenever a heuristic meets a bound the
run stops at once and the remaining time is not spent; the expensive LP bound only when a gap remains
(or first, when its graph is small).  In one dimension the search aims straight at the bound
(``onedim``: exact triples, or the overload tabu search on exactly ``bound`` bins) before the generic
pool local search and LNS get the rest of the time.
The result always starts from FFD's solution, so it is never worse than FFD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import arcflow, cns, exact, onedim, stop
from .bounds import quick_lower_bound
from .heuristics import ffd, portfolio
from .lns import lns_reduce
from .packing import PackingProblem, is_valid

Bins = list[list[int]]

#: Capacity × distinct sizes below which the arc-flow LP runs before the search (a few thousand arcs).
SMALL_GRAPH = 20_000
#: Share of the budget for the first CNS pass, and the cap of the one-dimensional bound-meeting pass.
CNS_FIRST = 0.3
ONE_DIM_SHARE = 0.3
#: One dimension: share of the budget after which the first CNS pass pauses for the arc-flow LP bound.
CNS_PROBE = 0.1
#: Share of the budget for the triplet search when the data force exact triples (run before CNS).
TRIPLETS_FIRST = 0.7


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
    should_stop: stop.ShouldStop | None = None,
) -> PackOutcome:
    """Best packing found within ``time_limit`` seconds.  ``max_iterations`` caps the local search so a
    run is reproducible regardless of machine speed (tests use it).  Once ``should_stop()`` (or that of
    an enclosing :func:`stop.watching` block) is true, every phase ends at its next check and
    :class:`stop.Cancelled` is raised instead of a result."""
    with stop.watching(should_stop):
        stop.raise_if_requested()
        out = _solve_packing(problem, time_limit, seed, max_iterations, use_lp, use_exact)
        stop.raise_if_requested()
    return out


def _solve_packing(
    problem: PackingProblem,
    time_limit: float,
    seed: int,
    max_iterations: int | None,
    use_lp: bool,
    use_exact: bool,
) -> PackOutcome:
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
    sol: Bins | None
    method = "ffd"
    if len(best) > lb:
        sol, name = portfolio(problem, lambda: stop.now() >= deadline)
        if len(sol) < len(best):
            best, method = sol, name
    log.append(f"lb={lb} ffd={ffd_n} portfolio={len(best)} t={time.monotonic() - t0:.2f}")

    od = _one_dim_view(problem)
    relaxed = _without_nonbinding_conflicts(problem)
    lp_ok = use_lp and arcflow.applicable(relaxed)
    ex_ok = use_exact and exact.applicable(problem)
    span = deadline - t0

    def at(frac: float) -> float:
        return t0 + span * frac

    def take(sol: Bins | None, name: str) -> None:
        nonlocal best, method
        if sol is not None and len(sol) < len(best) and is_valid(problem, sol):
            best, method = sol, name

    def search(start: Bins, until: float) -> Bins:
        """Consistent neighbourhood search (``cns``) from ``start`` until ``until`` or the bound."""
        return cns.cns_search(problem, start, lb, min(until, deadline), rng, max_iterations)

    # 1. Small arc-flow graph (capacity ~100–150, as in Scholl 1): the LP bound is cheap and often one
    #    above L2, so compute it first — the searches then aim at the right number of bins.
    lp_res = None
    if (
        od is not None
        and lp_ok
        and len(best) > lb
        and not onedim.triplet_applicable(od[0], od[1], lb)
        and (od[0].size <= 150 or int(od[1]) * len(np.unique(od[0])) <= SMALL_GRAPH)
    ):
        lp_res = arcflow.lp_bound(relaxed, time_limit=max(0.1, span * 0.3), deadline=at(0.4))
        if lp_res is not None:
            lb = max(lb, lp_res.bound)
            log.append(f"arcflow(small) lb={lp_res.bound} t={time.monotonic() - t0:.2f}")

    # 1b. Forced exact triples (every bin three items filling it exactly): the depth-first triplet search
    #     usually meets the bound within a second, where CNS stalls one or two bins above it, so it
    #     runs first; CNS then starts from the constructive packing if it fails.
    triplets_tried = False
    if od is not None and len(best) > lb and onedim.triplet_applicable(od[0], od[1], lb):
        sol = onedim.triplet_search(
            od[0], od[1], at(TRIPLETS_FIRST), rng, max_attempts=max_iterations, deterministic_first=True
        )
        triplets_tried = True
        take(sol, "triplets")
        log.append(f"triplets(first)={'ok' if sol else 'none'} t={time.monotonic() - t0:.2f}")

    # 2. Consistent neighbourhood search on partial solutions: removes bins one at a time from the
    #    constructive packing; most instances reach the bound here within a fraction of a second.
    #    In one dimension the pass is cut after CNS_PROBE for the arc-flow LP bound: when the quick
    #    bound is below the optimum, CNS would otherwise spend its whole pass aiming at a count that
    #    does not exist (Scholl-2 N4W2B1R6: CNS at 102 from 0.2 s, aiming at 101 until 30 % of the
    #    budget; the LP proves 102 in 0.2 s).
    lp_tried = False
    if len(best) > lb and stop.now() < deadline:
        cns_end = time.monotonic() + span * CNS_FIRST
        if od is not None and lp_ok and lp_res is None and CNS_PROBE > 0:
            take(search(best, time.monotonic() + span * CNS_PROBE), "cns")
            if len(best) > lb and stop.now() < deadline:
                lp_res, lp_tried = _lp(relaxed, deadline, at(0.6)), True
                if lp_res is not None:
                    lb = max(lb, lp_res.bound)
                    log.append(f"arcflow(probe) lb={lp_res.bound} t={time.monotonic() - t0:.2f}")
        if len(best) > lb and stop.now() < deadline:
            take(search(best, cns_end), "cns")
        log.append(f"cns={len(best)} t={time.monotonic() - t0:.2f}")

    # 3. One dimension, bound not met: raise the bound with the arc-flow LP when it is affordable, then
    #    aim straight at it (exact triples when forced, else the overload tabu search on exactly lb
    #    bins, started from the CNS packing) and try the LP-guided dive.
    if od is not None and len(best) > lb and stop.now() < deadline:
        if lp_ok and lp_res is None and not lp_tried:
            lp_res = _lp(relaxed, deadline, at(0.6))
            if lp_res is not None:
                lb = max(lb, lp_res.bound)
                log.append(f"arcflow lb={lp_res.bound} t={time.monotonic() - t0:.2f}")
        if len(best) > lb:
            sol = _one_dim_search(
                od, best, lb, t0, deadline, rng, max_iterations, log, ONE_DIM_SHARE, again=triplets_tried
            )
            take(sol, "triplets" if onedim.triplet_applicable(od[0], od[1], lb) else "overload_ts")
        if lp_res is not None and len(best) > lb and stop.now() < deadline:
            take(
                arcflow.dive(
                    problem, lp_res, deadline=min(deadline, time.monotonic() + span * 0.15), rng=rng
                ),
                "arcflow_dive",
            )
            log.append(f"dive={len(best)} t={time.monotonic() - t0:.2f}")

    # 4. Alternate CNS (long slices) with an exact repair of the least-full bins (LNS) until the end, or
    #    half the rest when the CP-SAT model follows.
    if len(best) > lb and stop.now() < deadline:
        until = deadline if not ex_ok else time.monotonic() + (deadline - time.monotonic()) * 0.5
        cur = best
        while len(best) > lb and stop.now() < until - 0.05:
            cur = search(cur, min(until, time.monotonic() + max(1.0, span * 0.25)))
            take(cur, "cns")
            if len(best) <= lb or stop.now() >= until - 0.05:
                break
            slot = min(until, time.monotonic() + max(0.5, span * 0.08))
            cur = lns_reduce(problem, cur, lb, rng, slot, seed=seed)
            take(cur, "lns")
        log.append(f"cns/lns={len(best)} t={time.monotonic() - t0:.2f}")

    # 4. CP-SAT for small instances: may find what the search missed, or prove the bound.
    if ex_ok and len(best) > lb and stop.now() < deadline:
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


def _lp(relaxed: PackingProblem, deadline: float, until: float) -> arcflow.LPResult | None:
    """The arc-flow LP bound with half the time left (``arcflow.lp_bound`` skips graphs it cannot
    build in time)."""
    return arcflow.lp_bound(relaxed, time_limit=max(0.1, (deadline - time.monotonic()) * 0.5), deadline=until)


def _without_nonbinding_conflicts(problem: PackingProblem) -> PackingProblem:
    """The same problem without its conflicts when every conflicting pair is too big to share a bin
    anyway (e.g. anti-affinity between large VMs): such conflicts never bind."""
    if not problem.has_conflicts or problem.conflicts is None:
        return problem
    cap = problem.capacity * (1 + 1e-9) + 1e-9
    for i, cs in enumerate(problem.conflicts):
        for j in cs:
            if j > i and bool(np.all(problem.sizes[i] + problem.sizes[j] <= cap)):
                return problem
    return PackingProblem(sizes=problem.sizes, capacity=problem.capacity, preopened=problem.preopened)


def _one_dim_view(problem: PackingProblem) -> tuple[np.ndarray, int] | None:
    """Integer sizes and capacity (divided by their gcd) when the 1-D bound-meeting search applies."""
    p = _without_nonbinding_conflicts(problem)
    if p.d != 1 or p.n == 0 or p.has_conflicts or p.preopened or not p.is_integral():
        return None
    w = p.sizes[:, 0].astype(np.int64)
    c = int(p.capacity[0])
    if c <= 0 or int(w.max()) > c:
        return None
    g = max(int(np.gcd.reduce(np.concatenate([w, [c]]))), 1)
    return w // g, c // g


def _one_dim_search(
    od: tuple[np.ndarray, int],
    best: Bins,
    lb: int,
    t0: float,
    deadline: float,
    rng: np.random.Generator,
    max_iterations: int | None,
    log: list[str],
    share: float = 0.45,
    again: bool = False,
) -> Bins | None:
    """Look for a packing with ``lb`` bins: exact triples when forced (up to 60 % of the budget), else
    the overload tabu search (up to ``share`` of the budget, so the LP bound and the other methods keep
    time when ``lb`` is not the optimum).  ``again`` marks a second pass: the triplet search then
    starts with randomised restarts (its deterministic first attempt already failed)."""
    w, c = od
    now = time.monotonic()
    if onedim.triplet_applicable(w, c, lb):
        until = min(deadline, now + (deadline - t0) * share)
        sol = onedim.triplet_search(
            w, c, until, rng, max_attempts=max_iterations, deterministic_first=not again
        )
        log.append(f"triplets={'ok' if sol else 'none'} t={time.monotonic() - t0:.2f}")
        if sol is not None:
            return sol
    until = min(deadline, time.monotonic() + (deadline - t0) * share)
    sol = onedim.overload_search(
        w,
        c,
        lb,
        until,
        rng,
        start=best,
        max_iterations=None if max_iterations is None else 20 * max_iterations,
    )
    log.append(f"overload_ts={'ok' if sol else 'none'} t={time.monotonic() - t0:.2f}")
    return sol
