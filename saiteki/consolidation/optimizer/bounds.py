"""Cheap lower bounds on the number of bins.

A lower bound is what lets the optimizer say "optimal" and stop early, and what the app shows as the
gap.  The continuous bound and Martello–Toth L2 cost O(n log n); the conflict-clique bound catches
vector instances where items pairwise cannot share a bin in some dimension.  The arc-flow LP bound
(stronger, slower) is in ``arcflow.py``.
"""

from __future__ import annotations

import math

import numpy as np

from .packing import PackingProblem

_TOL = 1e-9


def _ceil(x: float) -> int:
    """Ceiling that forgives float noise (19.0000000001 → 19), so bounds never overshoot."""
    return int(math.ceil(x - 1e-7))


def continuous_bound(sizes: np.ndarray, capacity: np.ndarray) -> int:
    """⌈Σ size / capacity⌉ in the tightest dimension."""
    if sizes.shape[0] == 0:
        return 0
    # A dimension of capacity 0 holds only zero sizes (else no packing exists): it bounds nothing.
    return max(
        (
            _ceil(float(sizes[:, k].sum()) / float(capacity[k]))
            for k in range(capacity.shape[0])
            if capacity[k] > 0
        ),
        default=1,
    )


def l2_bound_1d(weights: np.ndarray, capacity: float) -> int:
    """Martello–Toth L2: for each threshold α, items above C−α need their own bin, items above C/2 need
    distinct bins, and the items in [α, C/2] must fit in what the big ones leave free or in new bins."""
    w = np.sort(np.asarray(weights, dtype=np.float64))[::-1]
    w = w[w > 0]
    if w.size == 0:
        return 0
    c = float(capacity)
    tol = _TOL * max(c, 1.0)
    half = c / 2 + tol
    big = w[w > half]
    n_big = big.size
    small = w[w <= half]  # descending
    best = continuous_bound(w[:, None], np.array([c]))
    small_cum = np.concatenate([[0.0], np.cumsum(small)])
    big_sorted_asc = np.sort(big)
    big_cum_asc = np.concatenate([[0.0], np.cumsum(big_sorted_asc)])
    alphas = np.unique(np.concatenate([[0.0], small]))
    for a in alphas:
        # J1: items > C − α (cannot share with any item ≥ α).  J2: the other big items.
        thr = c - a + tol
        k1 = int(n_big - np.searchsorted(big_sorted_asc, thr, side="right"))
        n2 = n_big - k1
        sum2 = float(big_cum_asc[n2])
        # J3: small items with size ≥ α (small is descending).
        n3 = int(np.searchsorted(-small, -a + tol, side="right"))
        sum3 = float(small_cum[n3])
        extra = sum3 - (n2 * c - sum2)
        lb = n_big + (max(0, _ceil(extra / c)) if extra > tol else 0)
        if lb > best:
            best = lb
    return int(best)


def cardinality_bound(sizes: np.ndarray, capacity: np.ndarray) -> int:
    """⌈n / p⌉ where p is the most items any bin can hold: in every dimension the p smallest items must
    fit together, so p is at most the longest prefix of the ascending sizes that fits, per dimension.
    Strong when all items are close to C/3 (Scholl's W1 sets: bins of two or three items)."""
    n = sizes.shape[0]
    if n == 0:
        return 0
    p = n
    for k in range(capacity.shape[0]):
        cum = np.cumsum(np.sort(sizes[:, k]))
        fit = int(np.searchsorted(cum, float(capacity[k]) * (1 + _TOL) + _TOL, side="right"))
        p = min(p, max(fit, 1))
    return -(-n // p)


def clique_bound(sizes: np.ndarray, capacity: np.ndarray, conflicts: list[set[int]] | None = None) -> int:
    """Greedy clique of items that pairwise cannot share a bin (too big together in some dimension, or a
    declared conflict).  Each clique member needs its own bin."""
    n = sizes.shape[0]
    if n == 0:
        return 0
    measure = np.divide(sizes, capacity, out=np.zeros_like(sizes), where=capacity > 0).max(axis=1)
    order = np.argsort(-measure, kind="stable")
    cap = capacity * (1 + _TOL) + _TOL
    clique: list[int] = []
    for i in order[: min(n, 2000)]:
        i = int(i)
        if not clique:
            clique.append(i)
            continue
        too_big = np.any(sizes[clique] + sizes[i] > cap, axis=1)
        if conflicts:
            for k, j in enumerate(clique):
                if not too_big[k] and j in conflicts[i]:
                    too_big[k] = True
        if bool(np.all(too_big)):
            clique.append(i)
    return len(clique)


def quick_lower_bound(problem: PackingProblem) -> int:
    """Best of the cheap bounds.  With pre-opened bins only the capacity argument is used: their free
    space absorbs demand first, and they always count."""
    p = problem
    if p.n == 0:
        return len(p.preopened)
    if p.preopened:
        locked = p.locked_items()
        free = [i for i in range(p.n) if i not in locked]
        pre_caps = np.array([pb.capacity for pb in p.preopened])
        spare = pre_caps.sum(axis=0) - p.sizes[list(locked)].sum(axis=0) if locked else pre_caps.sum(axis=0)
        rest = p.sizes[free].sum(axis=0) - spare if free else np.zeros(p.d)
        extra = max(
            (_ceil(float(rest[k]) / float(p.capacity[k])) for k in range(p.d) if p.capacity[k] > 0), default=0
        )
        return len(p.preopened) + max(0, extra)
    lb = max(continuous_bound(p.sizes, p.capacity), cardinality_bound(p.sizes, p.capacity))
    for k in range(p.d):
        lb = max(lb, l2_bound_1d(p.sizes[:, k], float(p.capacity[k])))
    if p.d > 1 or p.has_conflicts:
        lb = max(lb, clique_bound(p.sizes, p.capacity, p.conflicts))
    return lb


def n_plus_one_bound(total: np.ndarray, capacity: np.ndarray, base: int) -> int:
    """Hosts needed so the loss of any one host can be absorbed.  After losing host h, the other k−1
    hosts must hold everything: (k−1)·C ≥ total in every dimension, so k ≥ ⌈total/C⌉ + 1."""
    if not np.any(total > 0):
        return base
    need = max(_ceil(float(total[j]) / float(capacity[j])) for j in range(capacity.shape[0])) + 1
    return max(base, need, 2)
