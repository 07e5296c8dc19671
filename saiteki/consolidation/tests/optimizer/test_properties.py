"""Property-based tests: on random instances every solution passes the independent checker, never uses
more bins than FFD, and never claims fewer than the lower bound."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saiteki.consolidation.optimizer import PackingProblem, Rules, check, ffd, solve, solve_packing
from saiteki.consolidation.optimizer.bounds import l2_bound_1d, quick_lower_bound

from .conftest import scenario

vectors = st.integers(1, 3).flatmap(
    lambda d: st.tuples(
        st.lists(st.tuples(*[st.integers(1, 60)] * d), min_size=1, max_size=40),
        st.tuples(*[st.integers(60, 120)] * d),
    )
)


def _independent_valid(sizes: np.ndarray, cap: np.ndarray, bins: list[list[int]]) -> bool:
    flat = sorted(i for b in bins for i in b)
    if flat != list(range(len(sizes))):
        return False
    return all(all(sum(sizes[i][k] for i in b) <= cap[k] for k in range(len(cap))) for b in bins)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vectors, st.integers(0, 3))
def test_engine_valid_not_worse_than_ffd_not_below_bound(data, seed):
    items, cap = data
    p = PackingProblem(sizes=np.array(items, dtype=float), capacity=np.array(cap, dtype=float))
    out = solve_packing(p, time_limit=0.3, seed=seed, max_iterations=300)
    assert _independent_valid(np.array(items), np.array(cap), out.bins)
    assert len(out.bins) <= len(ffd(p))
    assert out.lower_bound <= len(out.bins)
    # The bound is a true bound: never above a brute-force-free witness (the packing itself) and
    # never below the trivial continuous bound.
    assert out.lower_bound >= quick_lower_bound(p) or out.optimal


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vectors,
    st.data(),
)
def test_scenarios_with_rules_pass_checker(data, draw):
    items, cap = data
    n = len(items)
    segs = draw.draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n))
    anti = []
    if n >= 2:
        a, b = draw.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        anti = [[f"m{a}", f"m{b}"]]
    rules = Rules(
        segment_separation=draw.draw(st.booleans()),
        anti_affinity=anti,
        headroom={"vcpu": draw.draw(st.sampled_from([0.0, 0.1]))},
        n_plus_one=draw.draw(st.booleans()),
    )
    # Keep every machine placeable under the headroom.
    cap = tuple(max(c, 2 * max(it[k] for it in items)) for k, c in enumerate(cap))
    sc = scenario([tuple(float(x) for x in it) for it in items], cap, rules, segments=segs, time_limit=0.3)
    res = solve(sc)
    verdict = check(sc, res)
    assert all(r.passed for r in verdict), verdict
    assert res.feasible
    assert res.lower_bound <= res.hosts_used
    assert sorted(res.placement) == sorted(m.id for m in sc.machines)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=30), st.integers(100, 150))
def test_l2_bound_never_exceeds_optimum_witness(weights, cap):
    p = PackingProblem(sizes=np.array(weights, dtype=float)[:, None], capacity=np.array([cap], dtype=float))
    lb = l2_bound_1d(np.array(weights, dtype=float), cap)
    out = solve_packing(p, time_limit=0.5, seed=0, max_iterations=500)
    assert lb <= len(out.bins)
    assert lb >= -(-sum(weights) // cap)
