"""Verification and cost of a candidate plan, year by year: the independent checker on each year's
machines and hosts, the cost by C3 category with its formula terms, the single-shot comparison, and
the extension question (what fits on the existing hosts now).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.planning.packing import _pack_movers
from saiteki.consolidation.planning.problem import CATEGORIES, HOURS_PER_YEAR
from saiteki.consolidation.planning.state import (
    _Budget,
    _Context,
    _Host,
    _host_at,
    _initial_hosts,
    _natural,
    _Plan,
    _retire_year,
    _year_state,
)


def _year_scenario(ctx: _Context, machines: list[opt.Machine], models: set[str]) -> opt.Scenario:
    sc = ctx.problem.scenario
    ids = {m.id for m in machines}
    host_models = [ctx.model]
    for model_id in sorted(models):
        if model_id.startswith("existing:"):
            spec = ctx.existing[model_id.split(":", 1)[1]]
            host_models.append(opt.HostModel(id=model_id, capacity=dict(spec.capacity), power_w=spec.power_w))
    rules = opt.Rules(
        segment_separation=sc.rules.segment_separation,
        anti_affinity=[g2 for g in sc.rules.anti_affinity if len(g2 := [m for m in g if m in ids]) > 1],
        overcommit=dict(sc.rules.overcommit),
        headroom=dict(sc.rules.headroom),
        n_plus_one=sc.rules.n_plus_one,
    )
    return opt.Scenario(
        dimensions=list(sc.dimensions), machines=machines, host_models=host_models, rules=rules
    )


def _year_result(ctx: _Context, hosts: list[_Host]) -> opt.PlacementResult:
    plans = []
    placement: dict[str, int] = {}
    for k, h in enumerate(hosts):
        members = sorted(h.members)
        load = sum((ctx.demand[m] for m in members), np.zeros(len(ctx.dims)))
        util = {d: (float(load[j] / h.usable[j]) if h.usable[j] > 0 else 0.0) for j, d in enumerate(ctx.dims)}
        seg = ctx.machines[members[0]].segment if members and ctx.sep else None
        plans.append(
            opt.HostPlan(
                index=k,
                host_id=h.key,
                model=h.model,
                segment=seg,
                machines=members,
                utilisation=util,
                existing=h.kind == "existing",
            )
        )
        for m in members:
            placement[m] = k
    return opt.PlacementResult(
        placement=placement,
        hosts=plans,
        hosts_per_model={},
        hosts_used=len(plans),
        lower_bound=0,
        gap=0.0,
        optimal=False,
        rules=[],
        seconds=0.0,
        seed=0,
        time_limit=0.0,
    )


def _evaluate(ctx: _Context, plan: _Plan, *, check: bool = True) -> dict[str, Any]:
    """Per year: hosts in service, purchases, retirements, moves, the independent check (unless
    ``check`` is off: pricing a candidate) and the cost by C3 category with its formula terms."""
    p = ctx.problem
    rows = []
    total = 0
    cumulative = 0
    feasible = True
    orphans = []
    for fy in p.years:
        state = _year_state(ctx, plan, fy)
        # Every machine that must be on the platform this year is on a host in service.
        for mid, steps in plan.itinerary.items():
            key = _host_at(steps, fy)
            must = mid in p.resident or p.arrival.get(mid, p.end_fy + 1) <= fy
            if must and (key is None or not plan.hosts[key].in_service(fy)):
                orphans.append((fy, mid))
        checks: list[opt.RuleCheck] = []
        if check:
            machines = [ctx.machines[m] for h in state for m in sorted(h.members)]
            checks = opt.check(
                _year_scenario(ctx, machines, {h.model for h in state}), _year_result(ctx, state)
            )
        ok = all(ch.passed for ch in checks) and not any(o[0] == fy for o in orphans)
        feasible = feasible and ok
        new_in = [h for h in state if h.kind == "new"]
        existing_in = [h for h in state if h.kind == "existing"]
        bought = sorted(
            (h.key for h in plan.hosts.values() if h.kind == "new" and h.from_fy == fy), key=_natural
        )
        retired = sorted(
            h.key
            for h in plan.hosts.values()
            if h.kind == "existing" and h.last_fy is not None and h.last_fy == fy - 1
        )
        moved = sorted(mid for mid, steps in plan.itinerary.items() for y, _k in steps if y == fy)
        # Existing hosts' running cost runs to the end of their maintenance year (the year they retire).
        paying_existing = [
            h
            for h in plan.hosts.values()
            if h.kind == "existing" and (h.last_fy is None or fy <= _retire_year(ctx, h.key))
        ]
        lines = _cost_lines(ctx, len(new_in), len(bought), len(moved), paying_existing)
        cats = {cat: 0 for cat in CATEGORIES}
        for line in lines:
            cats[line["category"]] += line["amount"]
        year_total = sum(cats.values())
        total += year_total
        cumulative += year_total
        rows.append(
            {
                "fy": fy,
                "hosts_in_service": len(state),
                "existing_in_service": len(existing_in),
                "new_in_service": len(new_in),
                "bought": bought,
                "retired": retired,
                "moved": moved,
                "on_platform": sum(len(h.members) for h in state),
                "categories": cats,
                "lines": lines,
                "total": year_total,
                "cumulative": cumulative,
                "checks": [ch.to_dict() for ch in checks],
                "feasible": ok,
            }
        )
    return {"rows": rows, "total_cost": total, "feasible": feasible, "orphans": orphans[:20]}


def _cost_lines(ctx: _Context, new_n: int, bought: int, moved: int, existing: list[_Host]) -> list[dict]:
    """Each amount as terms × … = amount (units as in :mod:`saiteki.consolidation.savings`)."""
    from saiteki.consolidation.savings import figure

    c = ctx.problem.costs
    lines: list[dict] = []

    def add(category: str, key: str, terms: list[tuple[float, str]], divisor: float = 1) -> None:
        lines.append({"category": category, **figure(key, terms, divisor=divisor)})

    if bought and c.purchase:
        add("hw_purchase", "purchase", [(bought, "hosts"), (c.purchase, "yen_per_host")])
    if new_n:
        if c.lease:
            add("hw_lease", "lease", [(new_n, "hosts"), (c.lease, "yen_per_unit_year")])
        if c.maintenance:
            add("hw_maintenance", "maintenance", [(new_n, "hosts"), (c.maintenance, "yen_per_unit_year")])
        if c.licence:
            add("sw_license", "licence", [(new_n, "hosts"), (c.licence, "yen_per_unit_year")])
        if c.power_w and c.yen_per_kwh:
            add(
                "other",
                "power",
                [
                    (new_n * c.power_w, "w"),
                    (HOURS_PER_YEAR, "hours_per_year"),
                    (c.yen_per_kwh, "yen_per_kwh"),
                ],
                divisor=1000,
            )
    if existing:
        n = len(existing)
        for category, key in (("hw_maintenance", "existing_maintenance"), ("sw_license", "existing_licence")):
            amounts = {ctx.existing[h.key].yearly.get(category, 0) for h in existing}
            total = sum(ctx.existing[h.key].yearly.get(category, 0) for h in existing)
            if total:
                if len(amounts) == 1:
                    add(category, key, [(n, "existing_hosts"), (amounts.pop(), "yen_per_unit_year")])
                else:
                    add(category, key, [(total, "yen_per_year")])
        watts = sum(ctx.existing[h.key].power_w for h in existing)
        if watts and c.yen_per_kwh:
            add(
                "other",
                "existing_power",
                [(watts, "w"), (HOURS_PER_YEAR, "hours_per_year"), (c.yen_per_kwh, "yen_per_kwh")],
                divisor=1000,
            )
    if moved and c.migration_per_machine:
        add("migration", "migration", [(moved, "machines"), (c.migration_per_machine, "yen_per_machine")])
    return lines


def _single_shot_cost(ctx: _Context, plan: _Plan) -> dict[str, Any]:
    """The single-packing plan with every new host bought in the first year (the one-shot plan)."""
    p = ctx.problem
    shot = _Plan(plan.strategy, {}, plan.itinerary, plan.lower_bound, plan.solver_bins)
    for key, h in plan.hosts.items():
        shot.hosts[key] = _Host(
            key=h.key,
            kind=h.kind,
            model=h.model,
            usable=h.usable,
            from_fy=p.start_fy if h.kind == "new" else h.from_fy,
            last_fy=h.last_fy,
            segment=h.segment,
            claimed=h.claimed,
        )
    ev = _evaluate(ctx, shot, check=False)
    return {
        "new_hosts": sum(1 for h in plan.hosts.values() if h.kind == "new"),
        "rows": [{"fy": r["fy"], "total": r["total"], "categories": r["categories"]} for r in ev["rows"]],
        "total_cost": ev["total_cost"],
    }


def _fits_now(ctx: _Context, budget: _Budget, seed: int) -> dict[str, Any] | None:
    """The extension question: if every candidate moved in the first year, which would fit on the
    existing hosts as they are, and how many new hosts would the rest need?"""
    p = ctx.problem
    if not p.existing:
        return None
    fy = p.start_fy
    hosts = _initial_hosts(ctx)
    movers = sorted(m for m in p.arrival if m not in p.resident)
    for mid, host_id in p.resident.items():
        hosts[host_id].members.add(mid)
    before = {k: _loads(ctx, h) for k, h in hosts.items()}  # as the platform runs today
    for mid, host_id in p.resident.items():
        h = hosts[host_id]
        if h.in_service(fy) and p.pinned:
            if not h.claimed:
                h.claimed, h.segment = True, ctx.seg(mid)
        else:
            h.members.discard(mid)
            movers.append(mid)
    placed, _lb, _bins = _pack_movers(ctx, hosts, movers, fy, budget, seed, "F", lambda h: True)
    fitting = sorted(m for m, key in placed.items() if hosts[key].kind == "existing" and m not in p.resident)
    existing = []
    for h in sorted((h for h in hosts.values() if h.kind == "existing"), key=lambda h: _natural(h.key)):
        after = _loads(ctx, h)
        existing.append(
            {
                "host": h.key,
                "in_service": h.in_service(fy),
                "last_fy": h.last_fy,
                "before": before[h.key],
                "after": after,
                "residents": len([m for m in h.members if m in p.resident]),
                "added": sorted(m for m in h.members if m not in p.resident),
            }
        )
    return {
        "fy": fy,
        "fitting": fitting,
        "candidates": len([m for m in movers if m not in p.resident]),
        "new_hosts": sum(1 for h in hosts.values() if h.kind == "new"),
        "existing_hosts": existing,
    }


def _loads(ctx: _Context, h: _Host) -> dict[str, float]:
    """Use of a host in percent of its usable capacity, per dimension."""
    load = sum((ctx.demand[m] for m in h.members), np.zeros(len(ctx.dims)))
    return {
        d: (round(float(load[j] / h.usable[j] * 100), 1) if h.usable[j] > 0 else 0.0)
        for j, d in enumerate(ctx.dims)
    }
