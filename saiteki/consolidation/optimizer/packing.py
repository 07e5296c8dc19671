"""The rule-free core problem every algorithm works on: vector bin packing with conflicts and
pre-opened bins.

The scenario layer (``solver.py``) reduces the business rules to this form — affinity groups become
one merged item, anti-affinity becomes item conflicts, pinned hosts become pre-opened bins with locked
items, headroom and over-commit change the capacity, segments become separate problems — so the
algorithms stay small and are benchmarked on exactly the code that serves the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Relative slack when comparing loads with capacities: demands are floats (GiB), so a load that equals
#: the capacity up to rounding must still fit.  The independent checker is looser (1e-6), so anything
#: the solver accepts the checker accepts too.
REL_EPS = 1e-9


class InvalidInput(ValueError):
    """Data no packing model accepts: negative, infinite or missing amounts.  Every lower bound here
    (continuous, L2, cardinality, clique, arc-flow) assumes non-negative sizes — an item of negative
    size would free room for others and make them invalid — so such input is refused, not bounded."""


def _check_amounts(sizes: np.ndarray, capacity: np.ndarray, pre_caps: list[np.ndarray]) -> None:
    if not (np.all(np.isfinite(sizes)) and np.all(np.isfinite(capacity))):
        raise InvalidInput("sizes and capacities must be finite numbers")
    if sizes.size and float(sizes.min()) < 0:
        i, j = (int(x) for x in np.argwhere(sizes < 0)[0])
        raise InvalidInput(
            f"item {i} has a negative size ({sizes[i, j]:g}) in dimension {j}: sizes must be >= 0"
        )
    if capacity.size and float(capacity.min()) < 0:
        raise InvalidInput("bin capacities must be >= 0")
    for c in pre_caps:
        c = np.asarray(c, dtype=np.float64)
        if not np.all(np.isfinite(c)) or (c.size and float(c.min()) < 0):
            raise InvalidInput("capacities of pre-opened bins must be finite and >= 0")


@dataclass
class PreBin:
    """A bin that exists before packing (an existing, pinned host): its own capacity and the items
    locked into it.  Pre-opened bins are never emptied or removed."""

    capacity: np.ndarray
    locked: list[int] = field(default_factory=list)


@dataclass
class PackingProblem:
    """``sizes`` is (n, d); ``capacity`` is (d,) for every new bin.  ``conflicts[i]`` lists items that
    may not share a bin with item i (symmetric)."""

    sizes: np.ndarray
    capacity: np.ndarray
    conflicts: list[set[int]] | None = None
    preopened: list[PreBin] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sizes = np.asarray(self.sizes, dtype=np.float64)
        if self.sizes.ndim == 1:
            self.sizes = self.sizes[:, None]
        self.capacity = np.asarray(self.capacity, dtype=np.float64).reshape(-1)
        if self.sizes.shape[0] and self.sizes.shape[1] != self.capacity.shape[0]:
            raise InvalidInput("sizes and capacity have different dimensions")
        _check_amounts(self.sizes, self.capacity, [pb.capacity for pb in self.preopened])

    @property
    def n(self) -> int:
        return int(self.sizes.shape[0])

    @property
    def d(self) -> int:
        return int(self.capacity.shape[0])

    @property
    def has_conflicts(self) -> bool:
        return bool(self.conflicts) and any(self.conflicts)  # type: ignore[arg-type]

    def locked_items(self) -> set[int]:
        return {i for b in self.preopened for i in b.locked}

    def is_integral(self) -> bool:
        """Arc-flow needs integer sizes; floats from GiB figures are handled by the other methods."""
        return bool(
            np.all(self.sizes == np.round(self.sizes)) and np.all(self.capacity == np.round(self.capacity))
        )

    def measure(self) -> np.ndarray:
        """Scalar size of each item (sum of dimension shares), used to rank items and moves."""
        if self.n == 0:
            return np.zeros(0)
        return (self.sizes / np.maximum(self.capacity, 1e-12)).sum(axis=1)

    def bin_capacities(self, n_bins: int) -> np.ndarray:
        """Capacity row of each bin of a solution with ``n_bins`` bins (pre-opened first)."""
        caps = np.tile(self.capacity, (max(n_bins, len(self.preopened)), 1))
        for k, pb in enumerate(self.preopened):
            caps[k] = pb.capacity
        return caps


def fits(load: np.ndarray, size: np.ndarray, cap: np.ndarray) -> bool:
    """Whether ``size`` added to ``load`` stays within ``cap`` (with the shared float slack)."""
    return bool(np.all(load + size <= cap * (1 + REL_EPS) + REL_EPS))


def is_valid(problem: PackingProblem, bins: list[list[int]]) -> bool:
    """Internal sanity check used by the solver before returning (the independent checker is separate)."""
    seen = np.zeros(problem.n, dtype=int)
    caps = problem.bin_capacities(len(bins))
    if len(bins) < len(problem.preopened):
        return False
    for k, pb in enumerate(problem.preopened):
        if not set(pb.locked) <= set(bins[k]):
            return False
    for b, items in enumerate(bins):
        if items:
            load = problem.sizes[items].sum(axis=0)
            if not np.all(load <= caps[b] * (1 + REL_EPS) + REL_EPS):
                return False
        for i in items:
            seen[i] += 1
        if problem.conflicts:
            s = set(items)
            for i in items:
                if problem.conflicts[i] & s:
                    return False
    return bool(np.all(seen == 1))


def bins_to_assignment(bins: list[list[int]], n: int) -> list[int]:
    """Item → bin index, the form the CLI prints."""
    out = [-1] * n
    for b, items in enumerate(bins):
        for i in items:
            out[i] = b
    return out


def compact(bins: list[list[int]], n_pre: int) -> list[list[int]]:
    """Drop empty new bins (pre-opened ones stay, even when empty, because they exist)."""
    return bins[:n_pre] + [b for b in bins[n_pre:] if b]
