"""Each placement rule is enforced: every test builds a case where ignoring the rule gives a better
(smaller) but forbidden placement, then checks the solver respects the rule and the independent
checker agrees.  The checker itself is tested on hand-made violations."""

from __future__ import annotations

import dataclasses

from saiteki.consolidation.optimizer import ExistingHost, HostModel, Rules, check, solve

from .conftest import scenario


def _passed(result, rule: str) -> bool:
    return {r.rule: r.passed for r in result.rules}[rule]


def test_no_rules_packs_tightly():
    res = solve(scenario([(2, 2), (2, 2), (2, 2), (2, 2)], (8, 8)))
    assert res.hosts_used == 1 and res.optimal and res.feasible


def test_segment_separation():
    sc = scenario([(1, 1), (1, 1), (1, 1)], (8, 8), Rules(segment_separation=True), segments=["a", "b", "a"])
    res = solve(sc)
    assert res.hosts_used == 2 and res.feasible and _passed(res, "segment_separation")
    assert res.placement["m0"] == res.placement["m2"] != res.placement["m1"]
    # Without the rule one host suffices, so the rule is what costs the second host.
    assert solve(dataclasses.replace(sc, rules=Rules())).hosts_used == 1


def test_anti_affinity():
    sc = scenario([(1, 1), (1, 1)], (8, 8), Rules(anti_affinity=[["m0", "m1"]]))
    res = solve(sc)
    assert res.hosts_used == 2 and res.feasible and _passed(res, "anti_affinity")
    assert res.placement["m0"] != res.placement["m1"]


def test_affinity():
    # FFD alone would put m0+m2 and m1+m3 together; affinity forces m0 with m1.
    sc = scenario([(5,), (3,), (5,), (3,)], (10,), Rules(affinity=[["m0", "m1"]]))
    res = solve(sc)
    assert res.placement["m0"] == res.placement["m1"]
    assert res.feasible and _passed(res, "affinity")


def test_pinned_machines_use_existing_host():
    sc = scenario([(6,), (6,), (2,)], (10,), Rules(pinned={"m0": "old-1"}))
    sc = dataclasses.replace(sc, existing_hosts=[ExistingHost(id="old-1", model="std")])
    res = solve(sc)
    k = res.placement["m0"]
    assert res.hosts[k].host_id == "old-1" and res.hosts[k].existing
    assert res.feasible and _passed(res, "pinned")


def test_headroom_reduces_capacity():
    sc = scenario([(5,), (4,)], (10,), Rules(headroom={"vcpu": 0.2}))
    res = solve(sc)
    assert res.hosts_used == 2 and res.feasible  # 9 > 10 × 0.8
    assert solve(dataclasses.replace(sc, rules=Rules())).hosts_used == 1


def test_overcommit_increases_capacity():
    sc = scenario([(12, 4), (12, 4)], (8, 16), Rules(overcommit={"vcpu": 4.0}))
    res = solve(sc)
    assert res.hosts_used == 1 and res.feasible
    assert {r.rule: r.passed for r in res.rules}["capacity"]


def test_n_plus_one_survives_any_host_loss():
    sc = scenario([(5,), (5,), (5,), (5,)], (10,), Rules(n_plus_one=True))
    res = solve(sc)
    assert res.feasible and _passed(res, "n_plus_one")
    assert res.hosts_used >= 3  # two full hosts cannot absorb each other
    no_rule = solve(dataclasses.replace(sc, rules=Rules()))
    assert no_rule.hosts_used == 2
    # The checker rejects the 2-host placement under the N+1 rule.
    verdict = {r.rule: r.passed for r in check(sc, no_rule)}
    assert verdict["n_plus_one"] is False


def test_checker_catches_violations():
    sc = scenario([(6,), (6,)], (10,), Rules(anti_affinity=[["m0", "m1"]]), segments=["a", "b"])
    sc = dataclasses.replace(sc, rules=dataclasses.replace(sc.rules, segment_separation=True))
    good = solve(sc)
    assert good.feasible
    d = good.to_dict()
    # Force both onto host 0: capacity, segment and anti-affinity must all fail.
    d["placement"] = {"m0": 0, "m1": 0}
    d["hosts"][0]["machines"] = ["m0", "m1"]
    d["hosts"][1]["machines"] = []
    bad = type(good).from_dict(d)
    verdict = {r.rule: r.passed for r in check(sc, bad)}
    assert verdict["capacity"] is False
    assert verdict["segment_separation"] is False
    assert verdict["anti_affinity"] is False
    d["placement"] = {"m0": 0}
    verdict = {r.rule: r.passed for r in check(sc, type(good).from_dict(d))}
    assert verdict["placed_once"] is False


def test_cheaper_model_chosen_and_downgraded():
    sc = scenario([(3,), (3,), (3,)], (10,))
    sc = dataclasses.replace(
        sc,
        host_models=[
            HostModel(id="big", capacity={"vcpu": 10}, unit_cost=100),
            HostModel(id="small", capacity={"vcpu": 4}, unit_cost=30),
        ],
    )
    res = solve(sc)
    assert res.feasible and res.total_cost <= 90
