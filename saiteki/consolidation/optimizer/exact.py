"""CP-SAT assignment model for small problems: finds packings the heuristics miss and proves lower
bounds (CP-SAT's objective bound) when it closes the search.

Measured (see STACK.md) a generic assignment model does not beat FFD on hard 1-D families within
10 s, so it only runs on small instances, after the local search, starting from the best packing as a
hint, with symmetry breaking (the j-th largest item may only use the first j+1 new bins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from . import stop
from .packing import PackingProblem

Bins = list[list[int]]

MAX_ITEMS = 150
MAX_CELLS = 12000


@dataclass
class ExactResult:
    """Best packing CP-SAT found (None if none better) and a proven lower bound (0 if none)."""

    bins: Bins | None
    lower_bound: int


def applicable(problem: PackingProblem) -> bool:
    return 0 < problem.n <= MAX_ITEMS


def _integral(problem: PackingProblem) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], bool]:
    """Integer sizes and capacities.  Fractional data are scaled and rounded conservatively (sizes up,
    capacities down), which keeps every found packing feasible but makes the bound invalid."""
    caps_pre = [pb.capacity for pb in problem.preopened]
    if problem.is_integral() and all(np.all(c == np.round(c)) for c in caps_pre):
        return (
            problem.sizes.astype(np.int64),
            problem.capacity.astype(np.int64),
            [c.astype(np.int64) for c in caps_pre],
            True,
        )
    f = 1000.0 / np.maximum(problem.capacity, 1e-12)
    sizes = np.ceil(problem.sizes * f - 1e-9).astype(np.int64)
    cap = np.floor(problem.capacity * f + 1e-9).astype(np.int64)
    pre = [np.floor(c * f + 1e-9).astype(np.int64) for c in caps_pre]
    return sizes, cap, pre, False


def search(
    problem: PackingProblem, best: Bins, lower_bound: int, deadline: float, seed: int = 0
) -> ExactResult:
    """Minimise the number of bins with at most ``len(best)`` bins, hinted with ``best``."""
    remaining = deadline - stop.now()
    if remaining < 0.2 or problem.n * len(best) > MAX_CELLS:
        return ExactResult(None, 0)
    sizes, cap, pre_caps, exact_data = _integral(problem)
    n, d = sizes.shape
    k = len(best)
    n_pre = len(problem.preopened)
    locked = {i: b for b, pb in enumerate(problem.preopened) for i in pb.locked}
    order = sorted(
        (i for i in range(n) if i not in locked), key=lambda i: -float((sizes[i] / np.maximum(cap, 1)).sum())
    )
    rank = {i: r for r, i in enumerate(order)}
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(n):
        for b in range(k):
            if i in locked:
                if b == locked[i]:
                    x[i, b] = m.new_constant(1)
                continue
            if b >= n_pre and b - n_pre > rank[i]:
                continue  # symmetry: the r-th largest free item uses one of the first r+1 new bins
            x[i, b] = m.new_bool_var(f"x{i}_{b}")
    used = [m.new_bool_var(f"y{b}") for b in range(k)]
    for b in range(n_pre):
        m.add(used[b] == 1)
    for b in range(n_pre, k - 1):
        m.add(used[b] >= used[b + 1])
    for i in range(n):
        m.add_exactly_one([v for (ii, _b), v in x.items() if ii == i])
    by_bin: dict[int, list[int]] = {b: [] for b in range(k)}
    for i, b in x:
        by_bin[b].append(i)
    for b in range(k):
        cb = pre_caps[b] if b < n_pre else cap
        for j in range(d):
            terms = [int(sizes[i, j]) * x[i, b] for i in by_bin[b] if sizes[i, j] > 0]
            if terms:
                m.add(sum(terms) <= int(cb[j]) * used[b])
        for i in by_bin[b]:
            m.add_implication(x[i, b], used[b])
    if problem.conflicts:
        for i in range(n):
            for j in problem.conflicts[i]:
                if j > i:
                    for b in range(k):
                        if (i, b) in x and (j, b) in x:
                            m.add_bool_or([x[i, b].Not(), x[j, b].Not()])
    m.add(sum(used) >= max(lower_bound, n_pre))
    m.minimize(sum(used))
    # Hint: the incumbent, with its new bins relabelled so the symmetry breaking admits it.
    relabel = _relabel_for_symmetry(best, n_pre, rank)
    if relabel is not None:
        for b, items in enumerate(relabel):
            for i in items:
                if (i, b) in x:
                    m.add_hint(x[i, b], 1)
    # Building the model in Python takes a noticeable share of a short budget on a loaded machine:
    # give CP-SAT only what is left now, minus a margin for its presolve and the answer extraction.
    remaining = deadline - stop.now()
    if remaining < 0.3:
        return ExactResult(None, 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, remaining * 0.85 - 0.1)
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    with stop.interrupting(solver.stop_search):
        st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        lb = k if (st == cp_model.INFEASIBLE and exact_data) else 0
        return ExactResult(None, lb)
    bins: Bins = [[] for _ in range(k)]
    for (i, b), v in x.items():
        if solver.value(v):
            bins[b].append(i)
    bins = bins[:n_pre] + [bb for bb in bins[n_pre:] if bb]
    bound = int(math.ceil(solver.best_objective_bound - 1e-6)) if exact_data else 0
    return ExactResult(bins, bound)


def _relabel_for_symmetry(best: Bins, n_pre: int, rank: dict[int, int]) -> Bins | None:
    """Order the new bins by their largest item so the incumbent satisfies the symmetry constraints."""
    new = [b for b in best[n_pre:] if b]
    new.sort(key=lambda items: min(rank.get(i, 10**9) for i in items))
    out = best[:n_pre] + new
    for b, items in enumerate(new):
        if min(rank.get(i, 10**9) for i in items) < b:
            return None
    return out


def pack_into(
    sizes: np.ndarray,
    capacity: np.ndarray,
    conflicts: list[set[int]] | None,
    k: int,
    time_limit: float,
    seed: int = 0,
) -> Bins | None:
    """Pack the given items into ``k`` bins of ``capacity`` if CP-SAT finds a way within the time
    limit (used by the large-neighbourhood search on a handful of bins).  Fractional data are rounded
    conservatively, so any packing returned is feasible for the real data."""
    n, d = sizes.shape
    if k <= 0 or n == 0:
        return [] if n == 0 else None
    if d == 1 and not conflicts and np.all(sizes == np.round(sizes)) and float(capacity[0]).is_integer():
        found = bin_completion([int(x) for x in sizes[:, 0]], int(capacity[0]), k, node_limit=20_000)
        if found is not None:
            return found or None  # [] means proven impossible: skip CP-SAT

    sub = PackingProblem(sizes=sizes, capacity=capacity, conflicts=conflicts)
    isz, icap, _pre, _exact = _integral(sub)
    order = sorted(range(n), key=lambda i: -float((isz[i] / np.maximum(icap, 1)).sum()))
    rank = {i: r for r, i in enumerate(order)}
    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(n):
        for b in range(min(k, rank[i] + 1)):
            x[i, b] = m.new_bool_var("")
        m.add_exactly_one([x[i, b] for b in range(min(k, rank[i] + 1))])
    for b in range(k):
        members = [i for i in range(n) if (i, b) in x]
        for j in range(d):
            terms = [int(isz[i, j]) * x[i, b] for i in members if isz[i, j] > 0]
            if terms:
                m.add(sum(terms) <= int(icap[j]))
        if conflicts:
            for i in members:
                for jj in conflicts[i]:
                    if jj > i and (jj, b) in x:
                        m.add_bool_or([x[i, b].Not(), x[jj, b].Not()])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    with stop.interrupting(solver.stop_search):
        st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    bins: Bins = [[] for _ in range(k)]
    for (i, b), v in x.items():
        if solver.value(v):
            bins[b].append(i)
    return bins


def bin_completion(weights: list[int], capacity: int, k: int, node_limit: int = 200_000) -> Bins | None:
    """Depth-first bin completion (Korf 2002) for one dimension: fill bins one by one, each starting
    with the largest remaining item, trying completions that waste at most the remaining slack
    (k·C − Σw).  When the slack is zero (triplets) the branching is tiny, which is where CP-SAT's
    assignment model struggles.  Returns the packing, ``[]`` when proven impossible, or None when the
    node limit was hit."""
    n = len(weights)
    order = sorted(range(n), key=lambda i: -weights[i])
    w = [weights[i] for i in order]
    budget0 = k * capacity - sum(w)
    if budget0 < 0 or (n and w[0] > capacity):
        return []
    nodes = 0
    used = [False] * n
    result: list[list[int]] = []

    def completions(start: int, room: int, waste_max: int, chosen: list[int]):  # type: ignore[no-untyped-def]
        # Yield subsets (indices > start, unused) with total ≤ room and room − total ≤ waste_max,
        # larger fills first; equal weights at the same level are tried once.
        nonlocal nodes
        nodes += 1
        if nodes > node_limit:
            raise TimeoutError
        if room <= waste_max:
            yield list(chosen)
        last = -1
        for j in range(start, n):
            if used[j] or w[j] > room or w[j] == last:
                continue
            last = w[j]
            used[j] = True
            chosen.append(j)
            yield from completions(j + 1, room - w[j], waste_max, chosen)
            chosen.pop()
            used[j] = False

    def dfs(budget: int) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > node_limit:
            raise TimeoutError
        first = next((i for i in range(n) if not used[i]), -1)
        if first < 0:
            return True
        used[first] = True
        for comp in completions(first + 1, capacity - w[first], budget, []):
            waste = capacity - w[first] - sum(w[j] for j in comp)
            for j in comp:
                used[j] = True
            result.append([first, *comp])
            if dfs(budget - waste):
                return True
            result.pop()
            for j in comp:
                used[j] = False
        used[first] = False
        return False

    try:
        ok = dfs(budget0)
    except TimeoutError:
        return None
    if not ok or len(result) > k:
        return []
    return [[order[j] for j in b] for b in result]
