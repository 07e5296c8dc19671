"""Consistent neighbourhood search on partial solutions (after Buljubašić & Vasquez 2016, "Consistent
neighborhood search for one-dimensional bin packing and two-dimensional vector packing", Computers &
Operations Research 76), for one-dimensional and vector packing with conflicts and pre-opened bins.

Why: on instances whose optimum needs (almost) perfectly full bins — Falkenauer's triplets, narrow
bands, "AI"-style exact splits, vector instances cut from exactly full bins — a search over complete
packings has no gradient: every packing with one bin more than the optimum looks alike.  CNS keeps a
*partial* solution that is always feasible ("consistent") and measures progress by the items it could
not place:

1. From a complete packing with m bins, delete three bins; their items go to the unassigned set TC.
   The goal is m − 1 bins: the m − 3 kept bins plus two new ones, i.e. TC must end up fitting into
   two bins.
2. Tabu search: the move is the best exchange of p ≤ 2 items of a bin with q ≤ 2 items of TC (p = 0 is
   a plain insertion) that keeps the bin feasible, scored by how much it lowers the weight of TC
   (dimension shares summed), ties to the move that leaves more (hence smaller) items in TC.  For
   vectors, once TC is small, the 16 best allowed moves are re-ranked by weight + 0.5 × TC's split
   overload (``cns_subsets.split_overload``: zero exactly when TC fits the new bins), so a light TC
   that cannot be split (three items that pairwise overflow a bin) no longer looks like progress.
   Worsening moves are taken when nothing improves; an item that left a bin may not re-enter it for a
   few iterations (unless that gives the lightest TC seen so far).
3. Descent ("pack"): for each bin, the subset of its items and TC that fills it best (exact subset
   sum in integer one dimension, a batched matrix of every bin against TC's subsets otherwise) — the
   general add/drop move; consolidation (``cns_consolidate``) when the search stalls.
4. After every move whose TC may fit (split overload zero; always in integer one dimension) TC is
   split exactly into the new bins; when it fits, a packing with m − 1 bins is complete; start again
   from it.

Every move is evaluated for all bins at once with numpy (rows: the subsets of ≤ 2 items of each bin,
columns: the subsets of ≤ 2 items of TC), because a Python loop over bins × pairs is too slow for the
10-second budget.  Conflicts are respected conservatively (an item may not enter a bin holding any item
it conflicts with); locked items of pre-opened bins never move and pre-opened bins are never deleted.
"""

from __future__ import annotations

import numpy as np

from . import stop
from .cns_consolidate import consolidate
from .cns_state import CnsState
from .packing import PackingProblem, compact

Bins = list[list[int]]

#: Tabu tenure (plus a random 0–7) and the length of a tabu phase without improvement (× items).
TENURE = 3
TS_MIN = 50
TENURE_RAND = 8
#: Vectors: the tenure grows with the number of bins, to at least this share of them (plus a random 0 to
#: twice that).  An (item, bin) tabu blocks one of an item's m − 1 destinations, so a tenure of a few
#: iterations is short on a hundred bins and the search cycles around the same light TC.  At 10 CPU-s on
#: 30 Panigrahy class 6/7/9 instances (n = 120, 250, 500): 6 → 8 at the optimum, 57 → 43 bins above
#: the optima, none worse; on the 18 with n ≤ 250, fixed tenures of 10 + 0–20, 25 + 0–50 and 60 + 0–120
#: left 14, 11 and 11 bins above (this: 12, the old 3 + 0–7: 18).
#: One dimension keeps the fixed tenure: at 2 CPU-s two generated exact-split instances were lost.
TENURE_PER_BIN = 0.25
TENURE_MIN_D = 2
TS_FACTOR = 0.05
#: Rounds (tabu phase + descent) without a lighter TC before a consolidation pass; 0 = never.
CONSOLIDATE = 2
#: Consolidation sweeps before the first tabu phase (0 = none).
QUICK_START = 2


def _pick_removed(
    problem: PackingProblem, bins: Bins, count: int, rng: np.random.Generator, attempt: int
) -> list[int]:
    """Bins to delete: mostly the least filled (their items are the easiest to re-place), with some
    randomness so restarts differ."""
    n_pre = len(problem.preopened)
    cand = list(range(n_pre, len(bins)))
    m = problem.measure()
    fill = np.array([float(m[bins[k]].sum()) for k in cand])
    noise = rng.random(len(cand)) * (0.05 + 0.1 * min(attempt, 5))
    order = np.argsort(fill / max(float(fill.max()), 1e-12) + noise)
    return [cand[int(x)] for x in order[:count]]


def tenure_range(d: int, n_bins: int) -> tuple[int, int]:
    """Tabu tenure of a move: ``base`` plus a random 0 … ``spread`` − 1 iterations (see TENURE_PER_BIN)."""
    base = TENURE
    if d >= TENURE_MIN_D:
        base = max(TENURE, round(TENURE_PER_BIN * n_bins))
    return base, max(TENURE_RAND, 2 * base)


def reduce_once(
    problem: PackingProblem,
    bins: Bins,
    rng: np.random.Generator,
    deadline: float,
    attempt: int = 0,
    max_iterations: int | None = None,
    stats: dict[str, int] | None = None,
) -> Bins | None:
    """Look for a packing with one bin less than ``bins`` by CNS; None when the deadline (or the
    iteration cap) ends the search first."""
    n_pre = len(problem.preopened)
    n_new = len(bins) - n_pre
    if n_new <= 0:
        return None
    count = min(3, n_new)
    removed = _pick_removed(problem, bins, count, rng, attempt)
    k_new = count - 1
    st = CnsState(problem, bins, removed, rng, k_new)
    it = 0
    best_w = st.tc_weight()
    stale = 0
    tenure_base, tenure_rand = tenure_range(problem.d, len(bins))
    ts_len = max(TS_MIN, int(TS_FACTOR * problem.n))
    if QUICK_START:
        # Cheap first: refill the bins from TC, gather free space, refill again.  Far from the optimum
        # this alone usually empties TC; the tabu search is for when it does not.
        st.descent(it, tenure_base, deadline)
        if st.tc_split(k_new) is None:
            consolidate(st, deadline, max_sweeps=QUICK_START)
            st.descent(it, tenure_base, deadline)
        best_w = min(best_w, st.tc_weight())
    best_obj = st.objective()
    while stop.now() < deadline:
        done = st.tc_split(k_new)
        if done is not None:
            if stats is not None:
                stats["iterations"] = stats.get("iterations", 0) + it
            return st.complete(done)
        # Tabu search until it stops improving on its own best.
        phase_best = st.objective()
        since = 0
        while since < ts_len:
            it += 1
            if max_iterations is not None and it > max_iterations:
                return None
            if (it & 15) == 0 and stop.now() >= deadline:
                break
            mv = st.best_move(it, best_w)
            if mv is None:
                break
            b, out, into, _gain = mv
            tenure = tenure_base + int(rng.integers(0, tenure_rand))
            st._move(b, out, into, it, tenure)
            obj = st.objective()
            best_w = min(best_w, st.tc_weight())
            # Any state whose TC fits the new bins completes the packing, lighter than the phase's
            # best or not (the descent that follows a phase could undo it).
            if st.may_split():
                done = st.tc_split(k_new)
                if done is not None:
                    if stats is not None:
                        stats["iterations"] = stats.get("iterations", 0) + it
                    return st.complete(done)
            if obj < phase_best - 1e-9:
                phase_best = obj
                since = 0
            else:
                since += 1
        st.descent(it, tenure_base, deadline)
        obj = st.objective()
        best_w = min(best_w, st.tc_weight())
        if obj < best_obj - 1e-9:
            best_obj = obj
            stale = 0
        else:
            stale += 1
            if CONSOLIDATE and stale >= CONSOLIDATE:
                consolidate(st, deadline)
                stale = 0
    if stats is not None:
        stats["iterations"] = stats.get("iterations", 0) + it
    return None


def cns_search(
    problem: PackingProblem,
    start: Bins,
    lower_bound: int,
    deadline: float,
    rng: np.random.Generator,
    max_iterations: int | None = None,
    stats: dict[str, int] | None = None,
) -> Bins:
    """Remove bins by CNS until ``lower_bound`` is met or the time is up; never worse than ``start``."""
    n_pre = len(problem.preopened)
    best = compact([list(b) for b in start], n_pre)
    attempt = 0
    while len(best) > lower_bound and stop.now() < deadline:
        res = reduce_once(problem, best, rng, deadline, attempt, max_iterations, stats)
        if res is None:
            break
        best = res
        if stats is not None:
            stats["reductions"] = stats.get("reductions", 0) + 1
    return best
