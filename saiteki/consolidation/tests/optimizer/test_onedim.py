"""The one-dimensional bound-meeting methods: cardinality bound, exact-triple search, overload tabu
search, and their use in the engine (including conflicts that sizes already imply)."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saiteki.consolidation.optimizer import (
    PackingProblem,
    Rules,
    arcflow,
    check,
    ffd,
    onedim,
    solve,
    solve_packing,
)
from saiteki.consolidation.optimizer.bounds import cardinality_bound, quick_lower_bound
from saiteki.consolidation.optimizer.io_formats import read_bpp

from .conftest import scenario


def _valid(w: list[int] | np.ndarray, cap: int, bins: list[list[int]]) -> bool:
    w = np.asarray(w)
    return sorted(i for b in bins for i in b) == list(range(len(w))) and all(
        int(w[b].sum()) <= cap for b in bins
    )


def _triplets(k: int, seed: int, cap: int = 1000) -> list[int]:
    """Falkenauer-style triplets: each bin is three items in [C/4, C/2) summing exactly to C."""
    rng = np.random.default_rng(seed)
    out: list[int] = []
    for _ in range(k):
        a = int(rng.integers(380, 490))
        b = int(rng.integers(250, (cap - a) // 2 + 1))
        out += [a, b, cap - a - b]
    return [int(x) for x in rng.permutation(out)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=25), st.integers(100, 150))
def test_cardinality_bound_is_below_the_arcflow_lp_bound(weights, cap):
    # The cardinality bound is a dual-feasible-function bound, so the arc-flow LP dominates it; and
    # both stay below a packing the engine finds.
    p = PackingProblem(sizes=np.array(weights, dtype=float)[:, None], capacity=np.array([cap], dtype=float))
    card = cardinality_bound(p.sizes, p.capacity)
    lp = arcflow.lp_bound(p, time_limit=5.0)
    assert lp is not None
    assert card <= lp.bound
    assert card <= quick_lower_bound(p) <= lp.bound
    out = solve_packing(p, time_limit=0.5, seed=0, max_iterations=200)
    assert lp.bound <= len(out.bins)


def test_cardinality_bound_on_items_near_a_third():
    # 7 items of 0.3 C: at most three per bin (four need 1.2 C), so three bins although Σ = 2.1 C.
    p = PackingProblem(sizes=np.full((7, 1), 30.0), capacity=np.array([100.0]))
    assert cardinality_bound(p.sizes, p.capacity) == 3
    assert quick_lower_bound(p) == 3


def test_triplet_search_finds_exact_triples():
    for seed in range(3):
        w = _triplets(40, seed)
        assert onedim.triplet_applicable(w, 1000, 40)
        bins = onedim.triplet_search(w, 1000, time.monotonic() + 20, np.random.default_rng(0))
        assert bins is not None and len(bins) == 40
        assert _valid(w, 1000, bins)
        assert all(len(b) == 3 for b in bins)


def test_triplet_search_not_applicable_with_slack():
    w = _triplets(10, 0)
    w[0] -= 1  # slack 1: bins need not be full, so triples are not forced
    assert not onedim.triplet_applicable(w, 1000, 10)
    assert onedim.triplet_search(w, 1000, time.monotonic() + 1, np.random.default_rng(0)) is None


def test_overload_search_reaches_a_feasible_k():
    rng = np.random.default_rng(1)
    # Planted solution: 30 bins of capacity 100, each split into 2–4 random parts.
    w: list[int] = []
    for _ in range(30):
        parts = int(rng.integers(2, 5))
        cuts = sorted(rng.choice(np.arange(1, 100), size=parts - 1, replace=False).tolist())
        w += [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    bins = onedim.overload_search(w, 100, 30, time.monotonic() + 20, np.random.default_rng(0))
    assert bins is not None and len(bins) <= 30
    assert _valid(w, 100, bins)
    # Infeasible k (below the continuous bound) is refused at once.
    assert onedim.overload_search(w, 100, 29, time.monotonic() + 1, np.random.default_rng(0)) is None


def test_engine_reaches_the_triplet_optimum_ffd_misses():
    w = _triplets(40, 7)
    p = PackingProblem(sizes=np.array(w, dtype=float)[:, None], capacity=np.array([1000.0]))
    out = solve_packing(p, time_limit=10.0, seed=0)
    assert len(out.bins) == 40 and out.optimal
    assert len(ffd(p)) > 40
    assert _valid(w, 1000, out.bins)


def test_engine_on_real_triplets_and_scholl(shared_data):
    for f, opt in [
        ("Falkenauer_T/Falkenauer_t60_00.txt", 20),
        ("Scholl_2/N3W1B2R0.txt", 67),
        ("Scholl_1/N1C1W1_I.txt", 25),
    ]:
        p = read_bpp(shared_data / "bpp" / "instances" / f)
        out = solve_packing(p, time_limit=10.0, seed=0)
        assert _valid(p.sizes[:, 0].astype(int), int(p.capacity[0]), out.bins)
        assert len(out.bins) == opt, (f, out.log)
        assert out.lower_bound == opt


def test_non_binding_anti_affinity_keeps_the_optimum():
    # Anti-affinity only between items that cannot share a host anyway: the 1-D methods still apply
    # (the scaling benchmark's situation) and the checker accepts the result.
    w = _triplets(12, 3) + [600, 700, 650, 800]  # the four large machines never share a host
    anti = [["m36", "m37"], ["m38", "m39"]]
    sc = scenario([(float(x),) for x in w], (1000.0,), Rules(anti_affinity=anti), time_limit=10.0)
    res = solve(sc)
    assert all(r.passed for r in check(sc, res))
    # Σ = 14 750 → at least 15 hosts; the triplet items fill the large machines' hosts exactly.
    assert res.hosts_used == 15 and res.optimal
