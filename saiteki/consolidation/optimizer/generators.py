"""Seeded generators of hard packing instances whose optimum is known by construction.

Why: the shared benchmark sets are fixed and (mostly) solved, so judging the search on them alone
invites tuning to them.  These generators cut bins of capacity C into items that fill every bin
*exactly*; the number of bins cut is then the optimum (it equals the continuous bound ⌈Σw / C⌉), and
every packing that meets it must reproduce perfectly full bins — the property that makes Falkenauer's
triplets, Schwerin/Wäscher's narrow bands and Delorme et al.'s "AI" instances hard for heuristics.

Families (all integer data, items shuffled):

- ``triplets``: Falkenauer's construction — each bin is three items in [C/4, C/2) summing to C;
- ``exact_split``: "AI-style" — each bin is cut into a random number of items (``k_min``…``k_max``),
  sizes between ``lo``·C and ``hi``·C, summing to C (mid-sized items, bins filled exactly);
- ``narrow_band``: Wäscher/Schwerin-style — every bin holds ``k`` items from a narrow band around
  C/k, summing to C;
- ``vector_triplets`` / ``vector_split``: the same constructions in d dimensions — every dimension of a
  bin is cut independently into the same number of items, so each bin is exactly full in every
  dimension and the optimum is the number of bins.

``generate(family, seed, **params)`` is the single entry point the benchmark and the tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .packing import PackingProblem


@dataclass(frozen=True)
class Instance:
    """A generated instance: the problem, its proven optimum, and a name for reports."""

    name: str
    problem: PackingProblem
    optimum: int


def _split(rng: np.random.Generator, total: int, k: int, lo: int, hi: int) -> list[int] | None:
    """``k`` integers in [lo, hi] summing to ``total`` (random composition), or None if impossible."""
    if k * lo > total or k * hi < total:
        return None
    for _ in range(200):
        parts = lo + rng.multinomial(total - k * lo, rng.dirichlet(np.ones(k)))
        if int(parts.max()) <= hi:
            return [int(x) for x in parts]
    # Fallback: deterministic spread, then random unit transfers within bounds.
    parts = np.full(k, total // k)
    parts[: total - int(parts.sum())] += 1
    for _ in range(10 * k):
        a, b = (int(x) for x in rng.integers(0, k, size=2))
        step = int(rng.integers(0, max(1, (hi - lo) // 2) + 1))
        if a != b and parts[a] - step >= lo and parts[b] + step <= hi:
            parts[a] -= step
            parts[b] += step
    return [int(x) for x in parts]


def _triplet(rng: np.random.Generator, cap: int) -> list[int]:
    """Falkenauer's triplet: first item in [0.38C, 0.49C), second in [C/4, (C − first)/2], third the
    rest; every item lies in [C/4, C/2)."""
    while True:
        a = int(rng.integers(int(0.38 * cap), int(0.49 * cap)))
        b = int(rng.integers(cap // 4 + (cap % 4 > 0), (cap - a) // 2 + 1))
        c = cap - a - b
        if 4 * c >= cap and 2 * c < cap and 4 * b >= cap:
            return [a, b, c]


def _finish(name: str, rows: list[list[int]], cap: list[int], rng: np.random.Generator, k: int) -> Instance:
    sizes = np.array(rows, dtype=np.float64).reshape(len(rows), len(cap))
    sizes = sizes[rng.permutation(len(rows))]
    return Instance(name, PackingProblem(sizes=sizes, capacity=np.array(cap, dtype=np.float64)), k)


def triplets(seed: int, bins: int = 100, capacity: int = 1000) -> Instance:
    rng = np.random.default_rng(seed)
    rows = [[x] for _ in range(bins) for x in _triplet(rng, capacity)]
    return _finish(f"triplets_{bins}_{seed}", rows, [capacity], rng, bins)


def exact_split(
    seed: int,
    bins: int = 80,
    capacity: int = 10_000,
    k_min: int = 3,
    k_max: int = 6,
    lo: float = 0.08,
    hi: float = 0.45,
) -> Instance:
    rng = np.random.default_rng(seed)
    rows: list[list[int]] = []
    lo_w, hi_w = max(1, int(lo * capacity)), int(hi * capacity)
    for _ in range(bins):
        while True:
            k = int(rng.integers(k_min, k_max + 1))
            parts = _split(rng, capacity, k, lo_w, hi_w)
            if parts is not None:
                break
        rows += [[x] for x in parts]
    return _finish(f"exact_split_{bins}_{seed}", rows, [capacity], rng, bins)


def narrow_band(
    seed: int, bins: int = 60, capacity: int = 1000, k: int = 5, spread: float = 0.15
) -> Instance:
    rng = np.random.default_rng(seed)
    mid = capacity / k
    lo_w, hi_w = int(mid * (1 - spread)), int(mid * (1 + spread))
    rows: list[list[int]] = []
    for _ in range(bins):
        parts = _split(rng, capacity, k, lo_w, hi_w)
        assert parts is not None
        rows += [[x] for x in parts]
    return _finish(f"narrow_band_{k}_{bins}_{seed}", rows, [capacity], rng, bins)


def vector_triplets(seed: int, bins: int = 60, d: int = 2, capacity: int = 1000) -> Instance:
    rng = np.random.default_rng(seed)
    rows: list[list[int]] = []
    for _ in range(bins):
        per_dim = [rng.permutation(_triplet(rng, capacity)) for _ in range(d)]
        rows += [[int(per_dim[j][t]) for j in range(d)] for t in range(3)]
    return _finish(f"vector_triplets_d{d}_{bins}_{seed}", rows, [capacity] * d, rng, bins)


def vector_split(
    seed: int,
    bins: int = 60,
    d: int = 3,
    capacity: int = 1000,
    k_min: int = 2,
    k_max: int = 5,
    lo: float = 0.05,
    hi: float = 0.7,
) -> Instance:
    rng = np.random.default_rng(seed)
    lo_w, hi_w = max(1, int(lo * capacity)), int(hi * capacity)
    rows: list[list[int]] = []
    for _ in range(bins):
        while True:
            k = int(rng.integers(k_min, k_max + 1))
            per_dim = [_split(rng, capacity, k, lo_w, hi_w) for _ in range(d)]
            if all(p is not None for p in per_dim):
                break
        rows += [[int(per_dim[j][t]) for j in range(d)] for t in range(k)]  # type: ignore[index]
    return _finish(f"vector_split_d{d}_{bins}_{seed}", rows, [capacity] * d, rng, bins)


FAMILIES: dict[str, Callable[..., Instance]] = {
    "triplets": triplets,
    "exact_split": exact_split,
    "narrow_band": narrow_band,
    "vector_triplets": vector_triplets,
    "vector_split": vector_split,
}


def generate(family: str, seed: int, **params: Any) -> Instance:
    """One instance of ``family`` (see the module docstring); same family, seed and params → same
    instance."""
    return FAMILIES[family](seed, **params)
