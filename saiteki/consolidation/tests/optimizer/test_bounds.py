"""Bound validity: on random small instances, edge values included (zero sizes, items as large as the
bin, a single item, many identical items, conflicts), every lower bound is at most the true optimum —
computed here by an independent brute force — and every heuristic's packing is at least it; every
packing is re-verified without the library.  Negative sizes are refused, not bounded."""

from __future__ import annotations

import json
import time
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saiteki.consolidation.optimizer import (
    HostModel,
    Machine,
    PackingProblem,
    Rules,
    Scenario,
    ScenarioError,
    arcflow,
    check,
    cli,
    cns,
    exact,
    ffd,
    solve,
    solve_packing,
)
from saiteki.consolidation.optimizer.bounds import (
    cardinality_bound,
    clique_bound,
    continuous_bound,
    l2_bound_1d,
    quick_lower_bound,
)
from saiteki.consolidation.optimizer.heuristics import portfolio
from saiteki.consolidation.optimizer.io_formats import read_bpp, read_vbp
from saiteki.consolidation.optimizer.packing import InvalidInput


def brute_force_optimum(
    sizes: list[tuple[int, ...]], cap: tuple[int, ...], conflicts: set[tuple[int, int]]
) -> int:
    """Fewest bins by dynamic programming over subsets (n ≤ 9): shares nothing with the library."""
    n = len(sizes)
    d = len(cap)
    ok = [True] * (1 << n)
    for mask in range(1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        if any(sum(sizes[i][k] for i in members) > cap[k] for k in range(d)):
            ok[mask] = False
        elif any((i, j) in conflicts for i in members for j in members):
            ok[mask] = False

    @cache
    def best(mask: int) -> int:
        if mask == 0:
            return 0
        low = mask & -mask  # the lowest remaining item opens the next bin
        rest = mask ^ low
        out = n + 1
        sub = rest
        while True:
            if ok[sub | low]:
                out = min(out, 1 + best(rest ^ sub))
            if sub == 0:
                break
            sub = (sub - 1) & rest
        return out

    return best((1 << n) - 1)


def _valid(
    sizes: np.ndarray, cap: np.ndarray, bins: list[list[int]], conflicts: set[tuple[int, int]]
) -> bool:
    flat = sorted(i for b in bins for i in b)
    if flat != list(range(len(sizes))):
        return False
    for b in bins:
        if any(sum(sizes[i][k] for i in b) > cap[k] for k in range(len(cap))):
            return False
        if any((i, j) in conflicts for i in b for j in b):
            return False
    return True


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[tuple[int, ...]], tuple[int, ...], set[tuple[int, int]]]:
    d = draw(st.integers(1, 3))
    cap = tuple(draw(st.sampled_from([1, 7, 10, 12, 100])) for _ in range(d))

    # Edge values on purpose: zero sizes, sizes equal to the capacity, half the capacity.
    def size(k: int) -> st.SearchStrategy[int]:
        return st.one_of(
            st.integers(0, cap[k]),
            st.sampled_from(sorted({0, cap[k], cap[k] // 2, (cap[k] + 1) // 2, max(cap[k] - 1, 0)})),
        )

    item = st.tuples(*[size(k) for k in range(d)])
    n = draw(st.integers(1, 8))
    if draw(st.booleans()):
        items = [draw(item)] * n  # many identical items
    else:
        items = draw(st.lists(item, min_size=n, max_size=n))
    conflicts: set[tuple[int, int]] = set()
    if n >= 2 and draw(st.booleans()):
        for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4)):
            if a != b:
                conflicts |= {(a, b), (b, a)}
    return items, cap, conflicts


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 2))
def test_every_bound_below_the_optimum_and_every_heuristic_above(inst, seed):
    items, cap, conflicts = inst
    opt = brute_force_optimum(items, cap, conflicts)
    sizes = np.array(items, dtype=float).reshape(len(items), len(cap))
    capacity = np.array(cap, dtype=float)
    conf = [{j for (i2, j) in conflicts if i2 == i} for i in range(len(items))] if conflicts else None
    p = PackingProblem(sizes=sizes, capacity=capacity, conflicts=conf)

    bounds = {
        "continuous": continuous_bound(sizes, capacity),
        "cardinality": cardinality_bound(sizes, capacity),
        "clique": clique_bound(sizes, capacity, conf),
        "quick": quick_lower_bound(p),
        **{f"l2_{k}": l2_bound_1d(sizes[:, k], float(capacity[k])) for k in range(len(cap))},
    }
    if arcflow.applicable(p):
        lp = arcflow.lp_bound(p, time_limit=5.0)
        if lp is not None:
            bounds["arcflow"] = lp.bound
    for name, b in bounds.items():
        assert b <= opt, f"{name} bound {b} > optimum {opt}"

    rng = np.random.default_rng(seed)
    packings = {"ffd": ffd(p), "portfolio": portfolio(p)[0]}
    packings["cns"] = cns.cns_search(
        p, packings["ffd"], bounds["quick"], deadline=time.monotonic() + 0.3, rng=rng, max_iterations=60
    )
    out = solve_packing(p, time_limit=0.3, seed=seed, max_iterations=200)
    packings["engine"] = out.bins
    ex = exact.search(p, packings["ffd"], 0, deadline=time.monotonic() + 1.0, seed=seed)
    assert ex.lower_bound <= opt
    if ex.bins is not None:
        packings["cp_sat"] = ex.bins
    for name, bins in packings.items():
        assert _valid(sizes, capacity, bins, conflicts), name
        assert len(bins) >= opt, f"{name} found {len(bins)} < optimum {opt}: the brute force is wrong"
    assert out.lower_bound <= opt <= len(out.bins)
    if out.optimal:
        assert len(out.bins) == opt


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_scenario_results_pass_the_independent_checker(inst):
    items, cap, conflicts = inst
    dims = ["vcpu", "mem", "disk"][: len(cap)]
    sc = Scenario(
        dimensions=dims,
        machines=[
            Machine(id=f"m{k}", demand=dict(zip(dims, map(float, it), strict=True)))
            for k, it in enumerate(items)
        ],
        host_models=[HostModel(id="h", capacity=dict(zip(dims, map(float, cap), strict=True)))],
        rules=Rules(anti_affinity=[[f"m{a}", f"m{b}"] for (a, b) in conflicts if a < b]),
        time_limit=0.5,
    )
    res = solve(sc)
    assert all(r.passed for r in check(sc, res))
    opt = brute_force_optimum(items, cap, conflicts)
    assert res.lower_bound <= opt <= res.hosts_used


def test_negative_sizes_are_refused_everywhere(tmp_path, capsys):
    with pytest.raises(InvalidInput, match="negative"):
        PackingProblem(sizes=np.array([[3.0, -1.0]]), capacity=np.array([10.0, 10.0]))
    vbp = tmp_path / "neg.vbp"
    vbp.write_text("2\n10 10\n2\n3 4 1\n5 -2 1\n")
    with pytest.raises(InvalidInput, match="negative"):
        read_vbp(vbp)
    bpp = tmp_path / "big.txt"
    bpp.write_text("2\n10\n4\n11\n")
    with pytest.raises(InvalidInput, match="exceeds"):
        read_bpp(bpp)
    sc = Scenario(
        dimensions=["vcpu"],
        machines=[Machine(id="web-1", demand={"vcpu": -2.0})],
        host_models=[HostModel(id="h", capacity={"vcpu": 8.0})],
    )
    with pytest.raises(ScenarioError, match="負の値"):
        solve(sc)
    # The CLI (in process: a subprocess adds only interpreter start-up) answers with the reason.
    assert cli.main(["vbp", str(vbp), "--time-limit", "1"]) == 2
    captured = capsys.readouterr()
    assert "negative" in json.loads(captured.out)["error"]
    assert "negative" in captured.err
