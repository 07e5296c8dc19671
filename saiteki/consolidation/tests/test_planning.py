"""Multi-year plans on small cases one can solve by hand (no database): the cheaper plan buys later,
existing hosts are filled first and kept until their end, pinned machines stay put, every year passes
the independent checker, N+1 spares are bought with the first hosts, and bad inputs are refused."""

import pytest

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation import planning

HOST = opt.HostModel(id="hm", capacity={"vcpu": 10})
COSTS = planning.PlanCosts(purchase=1000, maintenance=100)


def problem(
    machines,
    arrival,
    *,
    start=2027,
    end=2030,
    rules=None,
    existing=(),
    resident=None,
    pinned=True,
    costs=COSTS,
):
    ms = [opt.Machine(id=mid, demand={"vcpu": size}, segment=seg) for mid, size, seg in machines]
    sc = opt.Scenario(
        dimensions=["vcpu"], machines=ms, host_models=[HOST], rules=rules or opt.Rules(), time_limit=1.0
    )
    return planning.PlanProblem(
        scenario=sc,
        start_fy=start,
        end_fy=end,
        arrival=arrival,
        existing=list(existing),
        resident=resident or {},
        pinned=pinned,
        costs=costs,
    )


def bought(plan):
    return {r["fy"]: len(r["bought"]) for r in plan["rows"]}


def test_the_cheaper_plan_buys_later():
    # Four machines of half a host: two must move in FY2027, two in FY2029. One packing needs two
    # hosts either way; bought in FY2027 both cost 4 years of maintenance, bought when needed the
    # second costs 2: 2×1,000 + (4+2)×100 = 2,600 yen against 2×1,000 + 8×100 = 2,800 yen.
    p = problem(
        [("a1", 5, None), ("a2", 5, None), ("b1", 5, None), ("b2", 5, None)],
        {"a1": 2027, "a2": 2027, "b1": 2029, "b2": 2029},
    )
    plan = planning.plan(p)
    assert bought(plan) == {2027: 1, 2028: 0, 2029: 1, 2030: 0}
    assert plan["total_cost"] == 2600 and plan["single_shot"]["total_cost"] == 2800
    assert plan["saving_vs_single_shot"] == 200
    assert [r["total"] for r in plan["single_shot"]["rows"]] == [2200, 200, 200, 200]
    assert [r["hosts_in_service"] for r in plan["rows"]] == [1, 1, 2, 2]
    assert plan["new_hosts"] == 2 and plan["final_hosts"] == 2 and plan["lower_bound"] == 2
    # Machines move in their year and never again.
    assert plan["itinerary"]["b1"] == [[2029, plan["itinerary"]["b2"][0][1]]]
    assert all(r["feasible"] for r in plan["rows"])
    assert {c["rule"] for c in plan["rows"][0]["checks"]} >= {"placed_once", "capacity"}
    # Purchase and maintenance are in the C3 categories, each with its formula terms.
    first = plan["rows"][0]
    assert first["categories"]["hw_purchase"] == 1000 and first["categories"]["hw_maintenance"] == 100
    assert {line["key"] for line in first["lines"]} == {"purchase", "maintenance"}


def test_buying_everything_first_is_kept_when_it_is_cheaper():
    # Migration costs dwarf host costs and machines fit best together: either way the same hosts.
    p = problem([("a", 6, None), ("b", 4, None)], {"a": 2027, "b": 2028})
    plan = planning.plan(p)
    assert plan["new_hosts"] == 1 and bought(plan)[2027] == 1
    assert plan["total_cost"] == plan["single_shot"]["total_cost"] == 1000 + 4 * 100


def test_existing_hosts_are_filled_first_and_left_at_their_end():
    # E1 (free 5) is in service until FY2028; E2 (free 7) to the end. c1 (4) fits now; c2 (6)
    # arrives in FY2028; r1 must leave E1 in FY2029.
    existing = [
        planning.ExistingHostSpec("E1", {"vcpu": 10}, last_fy=2028, yearly={"hw_maintenance": 50}),
        planning.ExistingHostSpec("E2", {"vcpu": 10}, last_fy=None, yearly={"hw_maintenance": 50}),
    ]
    p = problem(
        [("r1", 5, "lgwan"), ("r2", 3, "lgwan"), ("c1", 4, "lgwan"), ("c2", 6, "lgwan")],
        {"c1": 2027, "c2": 2028},
        existing=existing,
        resident={"r1": "E1", "r2": "E2"},
        end=2031,
        rules=opt.Rules(segment_separation=True),
    )
    plan = planning.plan(p)
    it = plan["itinerary"]
    # c1 goes onto an existing host in FY2027: nothing is bought that year.
    assert it["c1"][0][0] == 2027 and it["c1"][0][1] in {"E1", "E2"} and bought(plan)[2027] == 0
    # Pinned: r2 never moves; r1 stays on E1 until E1 leaves service, then moves once.
    assert it["r2"] == [[2026, "E2"]]
    assert it["r1"][0] == [2026, "E1"] and it["r1"][-1][0] == 2029 and it["r1"][-1][1] != "E1"
    rows = {r["fy"]: r for r in plan["rows"]}
    assert rows[2028]["existing_in_service"] == 2 and rows[2029]["existing_in_service"] == 1
    assert rows[2029]["retired"] == ["E1"] and "r1" in rows[2029]["moved"]
    # E1's running cost is paid through the year its VMs leave (its maintenance year), not after.
    assert rows[2029]["categories"]["hw_maintenance"] >= 100 and rows[2030]["lines"]
    assert all(r["feasible"] for r in plan["rows"])
    # The extension answer: which candidates fit on the existing hosts now, and hosts to add now.
    fits = plan["fits_now"]
    assert "c1" in fits["fitting"] and fits["candidates"] == 2
    assert {h["host"] for h in fits["existing_hosts"]} == {"E1", "E2"}


def test_movable_platform_machines_are_repacked_once_in_the_first_year():
    existing = [planning.ExistingHostSpec("E1", {"vcpu": 10}), planning.ExistingHostSpec("E2", {"vcpu": 10})]
    p = problem(
        [("r1", 3, None), ("r2", 3, None), ("c1", 6, None)],
        {"c1": 2027},
        existing=existing,
        resident={"r1": "E1", "r2": "E2"},
        pinned=False,
    )
    plan = planning.plan(p)
    assert plan["new_hosts"] == 0  # 3 + 3 on one host, 6 on the other
    hosts = {steps[-1][1] for steps in plan["itinerary"].values()}
    assert hosts == {"E1", "E2"}
    assert all(len(steps) <= 2 for steps in plan["itinerary"].values())


def test_pinned_machines_stay_even_when_moving_them_would_save_a_host():
    existing = [planning.ExistingHostSpec("E1", {"vcpu": 10}), planning.ExistingHostSpec("E2", {"vcpu": 10})]
    p = problem(
        [("r1", 3, None), ("r2", 3, None), ("c1", 8, None)],
        {"c1": 2027},
        existing=existing,
        resident={"r1": "E1", "r2": "E2"},
        pinned=True,
    )
    plan = planning.plan(p)
    assert plan["itinerary"]["r1"] == [[2026, "E1"]] and plan["itinerary"]["r2"] == [[2026, "E2"]]
    assert plan["new_hosts"] == 1 and bought(plan)[2027] == 1


def test_anti_affinity_and_segments_hold_in_every_year():
    rules = opt.Rules(segment_separation=True, anti_affinity=[["a1", "a2"]])
    p = problem(
        [("a1", 2, "lgwan"), ("a2", 2, "lgwan"), ("b", 2, "internet"), ("c", 2, "lgwan")],
        {"a1": 2027, "a2": 2028, "b": 2027, "c": 2029},
        rules=rules,
    )
    plan = planning.plan(p)
    final = {m: steps[-1][1] for m, steps in plan["itinerary"].items()}
    assert final["a1"] != final["a2"] and final["b"] not in {final["a1"], final["a2"], final["c"]}
    for row in plan["rows"]:
        assert row["feasible"], row["checks"]
        assert {c["rule"] for c in row["checks"]} >= {"segment_separation"}
    # The final year reads as a one-shot result that the checker accepts.
    result = opt.PlacementResult.from_dict(planning.final_result(p, plan))
    checks = opt.check(planning.scenario_for_check(p, plan), result)
    assert checks and all(c.passed for c in checks)


def test_n_plus_one_spare_is_bought_with_the_first_hosts():
    rules = opt.Rules(n_plus_one=True)
    p = problem([("a", 6, None), ("b", 6, None)], {"a": 2027, "b": 2029}, rules=rules)
    plan = planning.plan(p)
    for row in plan["rows"]:
        assert row["feasible"], row["checks"]
        assert any(c["rule"] == "n_plus_one" for c in row["checks"])
    assert bought(plan)[2027] >= 2  # the first host and its spare


def test_costs_include_licences_power_and_migration_with_formulas():
    costs = planning.PlanCosts(
        purchase=1000,
        lease=10,
        maintenance=100,
        licence=20,
        power_w=500,
        yen_per_kwh=30,
        migration_per_machine=7,
    )
    p = problem([("a", 5, None), ("b", 5, None)], {"a": 2027, "b": 2027}, end=2027, costs=costs)
    plan = planning.plan(p)
    row = plan["rows"][0]
    power = round(500 * 8760 / 1000 * 30)
    assert row["categories"] == {
        "hw_purchase": 1000,
        "hw_lease": 10,
        "hw_maintenance": 100,
        "sw_license": 20,
        "migration": 14,
        "other": power,
    }
    assert row["total"] == 1000 + 10 + 100 + 20 + 14 + power


def test_cancelling_stops_the_plan():
    p = problem([("a", 5, None)], {"a": 2027})
    with pytest.raises(planning.PlanCancelled):
        planning.plan(p, should_stop=lambda: True)


@pytest.mark.parametrize(
    "arrival,message",
    [({"a": 2031}, "outside"), ({"ghost": 2027}, "unknown"), ({"a": 2027, "big": 2027}, "larger")],
)
def test_bad_inputs_are_refused(arrival, message):
    p = problem([("a", 5, None), ("big", 11, None)], arrival)
    with pytest.raises(opt.ScenarioError, match=message):
        planning.plan(p)


def test_round_trip_through_json():
    p = problem([("a", 5, None)], {"a": 2028}, existing=[planning.ExistingHostSpec("E1", {"vcpu": 10}, 2029)])
    again = planning.PlanProblem.from_dicts(p.scenario.to_dict(), p.to_dict())
    assert again.to_dict() == p.to_dict() and again.years == [2027, 2028, 2029, 2030]
