"""Constructive heuristics: first/best fit decreasing under several size measures, and bin-centric
dot-product packing.

No single ordering wins on vector instances (Panigrahy et al. 2011; Mommessin et al. 2025), and they
are cheap, so the solver runs a portfolio and keeps the best.  ``ffd`` is the plain baseline the
benchmark compares against; the solver always includes it, so it can never return more bins than FFD.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from .packing import REL_EPS, PackingProblem

Bins = list[list[int]]


def _start(problem: PackingProblem) -> tuple[Bins, np.ndarray, np.ndarray, list[int]]:
    """Bins, loads, capacities (with slack) and bin-of-item arrays with the pre-opened bins filled."""
    n, d = problem.n, problem.d
    max_bins = n + len(problem.preopened) + 1
    caps = np.tile(problem.capacity, (max_bins, 1))
    loads = np.zeros((max_bins, d))
    bins: Bins = []
    bin_of = [-1] * n
    for k, pb in enumerate(problem.preopened):
        caps[k] = pb.capacity
        bins.append(list(pb.locked))
        for i in pb.locked:
            loads[k] += problem.sizes[i]
            bin_of[i] = k
    return bins, loads, caps * (1 + REL_EPS) + REL_EPS, bin_of


def pack_in_order(problem: PackingProblem, order: Sequence[int], best_fit: bool = False) -> Bins:
    """Item-centric packing: each item (in ``order``) goes to the first bin it fits (first fit) or the
    bin it leaves fullest (best fit); a new bin opens when none fits."""
    sizes = problem.sizes
    bins, loads, caps, bin_of = _start(problem)
    conflicts = problem.conflicts
    nb = len(bins)
    inv_cap = 1.0 / np.maximum(problem.capacity, 1e-12)
    for i in order:
        i = int(i)
        if bin_of[i] >= 0:
            continue
        s = sizes[i]
        ok = np.all(loads[:nb] + s <= caps[:nb], axis=1)
        if conflicts and conflicts[i]:
            for j in conflicts[i]:
                if bin_of[j] >= 0:
                    ok[bin_of[j]] = False
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            b = nb
            nb += 1
            bins.append([])
        elif best_fit and idx.size > 1:
            resid = ((caps[idx] - loads[idx] - s) * inv_cap).sum(axis=1)
            b = int(idx[int(np.argmin(resid))])
        else:
            b = int(idx[0])
        bins[b].append(i)
        loads[b] += s
        bin_of[i] = b
    return bins


def decreasing(key: np.ndarray) -> list[int]:
    """Indices by decreasing key; ties keep input order, so results are deterministic."""
    return [int(i) for i in np.argsort(-key, kind="stable")]


def ffd(problem: PackingProblem) -> Bins:
    """First-fit decreasing by the sum of dimension shares (for one dimension: classic FFD).  This is
    the baseline the benchmark reports side by side with the optimizer."""
    return pack_in_order(problem, decreasing(problem.measure()))


def _size_measures(problem: PackingProblem) -> dict[str, np.ndarray]:
    """Orderings worth trying; in one dimension they coincide, so only one is returned."""
    rel = problem.sizes / np.maximum(problem.capacity, 1e-12)
    if problem.d == 1:
        return {"size": rel[:, 0]}
    total = rel.sum(axis=0)
    weights = total / max(float(total.sum()), 1e-12)
    return {
        "sum": rel.sum(axis=1),
        "max": rel.max(axis=1),
        "sumsq": (rel**2).sum(axis=1),
        "weighted": rel @ weights,
        "weighted_exp": rel @ np.exp(weights * problem.d),
    }


def dot_product_pack(problem: PackingProblem, norm: str = "dot") -> Bins:
    """Bin-centric packing (Panigrahy et al.): fill one bin at a time, each time adding the fitting
    item that best matches the bin's remaining capacity (largest dot product, or smallest L2 distance
    of the residual), weighting dimensions by how scarce they are overall."""
    sizes = problem.sizes
    n = problem.n
    cap = problem.capacity
    rel = sizes / np.maximum(cap, 1e-12)
    scarcity = rel.sum(axis=0)
    scarcity = scarcity / max(float(scarcity.sum()), 1e-12)
    conflicts = problem.conflicts
    bins, _loads, _caps, bin_of = _start(problem)
    remaining = np.array([bin_of[i] < 0 for i in range(n)])
    pre_caps = [pb.capacity for pb in problem.preopened]

    def fill(b: int, capacity: np.ndarray, start: list[int]) -> None:
        load = sizes[start].sum(axis=0) if start else np.zeros(problem.d)
        banned = np.zeros(n, dtype=bool)
        if conflicts:
            for j in start:
                for k in conflicts[j]:
                    banned[k] = True
        limit = capacity * (1 + REL_EPS) + REL_EPS
        while True:
            cand = np.flatnonzero(remaining & ~banned)
            if cand.size == 0:
                return
            ok = np.all(sizes[cand] + load <= limit, axis=1)
            cand = cand[ok]
            if cand.size == 0:
                return
            resid = (capacity - load) / np.maximum(cap, 1e-12)
            if norm == "dot":
                score = (rel[cand] * scarcity) @ resid
                pick = int(cand[int(np.argmax(score))])
            else:
                after = resid - rel[cand]
                pick = int(cand[int(np.argmin(((after * scarcity) ** 2).sum(axis=1)))])
            bins[b].append(pick)
            bin_of[pick] = b
            remaining[pick] = False
            load = load + sizes[pick]
            if conflicts:
                for k in conflicts[pick]:
                    banned[k] = True

    for k, pc in enumerate(pre_caps):
        fill(k, pc, bins[k])
    while remaining.any():
        bins.append([])
        b = len(bins) - 1
        first = int(np.flatnonzero(remaining)[int(np.argmax((rel[remaining] * scarcity).sum(axis=1)))])
        bins[b].append(first)
        bin_of[first] = b
        remaining[first] = False
        fill(b, cap, bins[b])
    return bins


def portfolio(problem: PackingProblem, deadline_check: Callable[[], bool] | None = None) -> tuple[Bins, str]:
    """Run every constructive heuristic (FFD first) and return the solution with the fewest bins and
    the name of the heuristic that found it.  ``deadline_check`` returning True stops early."""
    best = ffd(problem)
    best_name = "ffd"
    candidates: list[tuple[str, Callable[[], Bins]]] = []
    for name, key in _size_measures(problem).items():
        order = decreasing(key)
        if name != "sum" and name != "size":
            candidates.append((f"ff_{name}", partial(pack_in_order, problem, order)))
        candidates.append((f"bf_{name}", partial(pack_in_order, problem, order, best_fit=True)))
    if problem.n <= 3000:
        candidates.append(("dot", lambda: dot_product_pack(problem, "dot")))
        if problem.d > 1:
            candidates.append(("l2", lambda: dot_product_pack(problem, "l2")))
    for name, make in candidates:
        if deadline_check is not None and deadline_check():
            break
        sol = make()
        if len(sol) < len(best):
            best, best_name = sol, name
    return best, best_name
