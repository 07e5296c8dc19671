"""Large-neighbourhood search with an exact repair: free the items of the r least-full bins (plus a few
random ones) and ask CP-SAT to pack them into r − 1 bins.

Why: the pool local search gets within one bin of the bound quickly but can stall on instances whose
optimum needs (almost) perfectly full bins, such as Falkenauer's triplets; there the slack of a
near-optimal packing sits in a few bins, and re-packing those few bins exactly is a small, easy CP-SAT
problem.  The neighbourhood grows when a repair fails and shrinks back after a success.
"""

from __future__ import annotations

import time

import numpy as np

from . import exact, stop
from .packing import PackingProblem, compact

Bins = list[list[int]]


def lns_reduce(
    problem: PackingProblem,
    bins: Bins,
    lower_bound: int,
    rng: np.random.Generator,
    deadline: float,
    seed: int = 0,
    max_items: int = 90,
) -> Bins:
    """Return a packing with at most as many bins as ``bins`` (fewer when a repair succeeds)."""
    n_pre = len(problem.preopened)
    locked = problem.locked_items()
    m = problem.measure()
    best = [list(b) for b in bins]
    r = 3
    while len(best) > lower_bound and stop.now() < deadline - 0.05:
        free_bins = [k for k in range(n_pre, len(best)) if not (set(best[k]) & locked)]
        if len(free_bins) < 2:
            return best
        fill = np.array([float(m[best[k]].sum()) for k in free_bins])
        order = [free_bins[int(k)] for k in np.argsort(fill + 1e-6 * rng.random(len(fill)))]
        n_least = max(2, (2 * r + 2) // 3)
        chosen = order[:n_least]
        rest = order[n_least:]
        extra = r - len(chosen)
        if extra > 0 and rest:
            chosen += [rest[int(k)] for k in rng.choice(len(rest), size=min(extra, len(rest)), replace=False)]
        items = [i for k in chosen for i in best[k]]
        if len(items) > max_items:
            r = 3
            continue
        local = {i: j for j, i in enumerate(items)}
        conflicts = None
        if problem.has_conflicts and problem.conflicts is not None:
            conflicts = [{local[j] for j in problem.conflicts[i] if j in local} for i in items]
        limit = min(1.0 + 0.05 * len(items), (deadline - time.monotonic()) * 0.85 - 0.05)
        if limit < 0.05:
            break
        sub = exact.pack_into(problem.sizes[items], problem.capacity, conflicts, len(chosen) - 1, limit, seed)
        if sub is not None:
            keep = [b for k, b in enumerate(best) if k not in set(chosen)]
            new = keep[:n_pre] + keep[n_pre:] + [[items[j] for j in b] for b in sub]
            best = compact(new, n_pre)
            r = 3
        else:
            r = r + 2 if len(items) < max_items else 3
    return best
