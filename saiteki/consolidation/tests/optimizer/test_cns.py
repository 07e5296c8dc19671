"""CNS helpers against brute force: the split overload that steers the vector search is zero exactly
when TC fits the new bins and otherwise the least overload over all splits; the triplet dive's pair
sums, maintained by single-item updates, equal the convolution they replace; the search completes a
packing as soon as TC fits (a generated instance whose optimum needs exactly full bins is reached)."""

from __future__ import annotations

from itertools import product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from saiteki.consolidation.optimizer import cns
from saiteki.consolidation.optimizer.cns_subsets import FULL, split_overload, split_two
from saiteki.consolidation.optimizer.generators import generate
from saiteki.consolidation.optimizer.heuristics import ffd
from saiteki.consolidation.optimizer.onedim import _completions_per_size, _pair_sums, _TripletDive
from saiteki.consolidation.optimizer.packing import is_valid


def _brute_overload(shares: np.ndarray, k: int) -> float:
    best = float("inf")
    for side in product(range(k), repeat=len(shares)):
        loads = np.zeros((k, shares.shape[1]))
        for i, b in enumerate(side):
            loads[b] += shares[i]
        best = min(best, float(np.maximum(loads - FULL, 0.0).sum()))
    return best


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 7),
    st.integers(1, 2),
    st.data(),
)
def test_split_overload_is_the_least_overload_over_all_splits(d, m, k, data):
    vals = data.draw(st.lists(st.integers(0, 10), min_size=m * d, max_size=m * d))
    shares = np.array(vals, dtype=np.float64).reshape(m, d) / 10.0
    got = float(split_overload(shares[None, :, :], k)[0])
    assert abs(got - _brute_overload(shares, k)) < 1e-9
    # Zero exactly when the exact two-bin split exists (the test that completes a packing).
    if k == 2:
        fits = split_two(shares, list(range(m)), np.full(d, FULL), False) is not None
        assert (got <= 1e-9) == fits


def test_split_overload_pads_candidates_of_different_sizes_with_zero_rows():
    a = np.array([[0.6, 0.2], [0.6, 0.2], [0.5, 0.9]])
    b = np.array([[0.4, 0.4], [0.6, 0.6], [0.0, 0.0]])  # two items and a zero row
    got = split_overload(np.stack([a, b]), 2)
    assert abs(got[0] - _brute_overload(a, 2)) < 1e-12
    assert got[1] == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(25, 49), min_size=3, max_size=30), st.data())
def test_triplet_dive_pair_sums_match_the_convolution(sizes, data):
    cap = 100
    counts = np.bincount(np.array(sizes), minlength=cap + 1).astype(np.int64)
    dive = _TripletDive(counts, cap, float("inf"), None, 10)
    ops = data.draw(st.lists(st.sampled_from(sorted(set(sizes))), max_size=len(sizes)))
    taken: list[int] = []
    for v in ops:
        if dive.c[v] > 0:
            dive._take(v)
            taken.append(v)
    for v in taken[: len(taken) // 2]:
        dive._give(v)
    assert np.array_equal(dive.conv, _pair_sums(dive.c, cap))
    present = np.flatnonzero(dive.c)
    if present.size:
        full = _completions_per_size(dive.c, cap, np.arange(cap + 1))
        assert np.array_equal(dive._comp(present), full[present])


def test_cns_reaches_the_optimum_of_small_exactly_full_vector_instances():
    for seed in (1, 2):
        inst = generate("vector_triplets", seed, bins=12, d=2)
        start = ffd(inst.problem)
        rng = np.random.default_rng(0)
        out = cns.cns_search(inst.problem, start, inst.optimum, float("inf"), rng, max_iterations=5000)
        assert is_valid(inst.problem, out)
        assert inst.optimum <= len(out) <= len(start)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(25, 49), min_size=6, max_size=40), st.data())
def test_triplet_dive_candidate_scores_match_take_and_give(sizes, data):
    """The candidate pairs of a dive node scored in one matrix give what taking each pair, counting
    the completions left and giving it back gives."""
    cap = 100
    counts = np.bincount(np.array(sizes), minlength=cap + 1).astype(np.int64)
    dive = _TripletDive(counts, cap, float("inf"), None, 10)
    a = data.draw(st.sampled_from(sorted(set(sizes))))
    dive._take(a)
    rest = cap - a
    pairs = [
        (b, rest - b)
        for b in range(rest // 2 + 1)
        if dive.c[b] > 0 and rest - b <= cap and dive.c[rest - b] > 0 and (rest - b != b or dive.c[b] >= 2)
    ]
    if not pairs:
        return
    got = dive._after_pairs(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    for (b, d), score in zip(pairs, got.tolist(), strict=True):
        dive._take(b)
        dive._take(d)
        left = np.flatnonzero(dive.c)
        want = -float((dive._comp(left) / dive.c[left]).min()) if left.size else 0.0
        dive._give(d)
        dive._give(b)
        assert score == want


def test_tabu_tenure_grows_with_the_bins_for_vectors_only():
    """Vectors: the (item, bin) tabu lasts about a quarter of the bins, so it still bites on a hundred
    bins; one dimension keeps the short fixed tenure (its generated exact splits did worse with it)."""
    assert cns.tenure_range(1, 200) == (cns.TENURE, cns.TENURE_RAND)
    assert cns.tenure_range(3, 8) == (cns.TENURE, cns.TENURE_RAND)
    base, spread = cns.tenure_range(3, 104)
    assert base == 26 and spread == 52
    assert cns.tenure_range(2, 400)[0] > base
