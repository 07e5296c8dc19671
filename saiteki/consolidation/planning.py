"""Multi-year consolidation plans (SPEC C8): which hosts are in service, which machines move and
which hosts are bought in each fiscal year, and what that costs over the plan's horizon.

Why this exists beside the one-shot optimizer: buying every host in the first year pays maintenance,
licences and power for hosts that stand half empty until the machines whose hardware support ends
later arrive. A plan over fiscal years moves each machine in the year it has to move, fills the hosts
that already exist first (while they are in service), and buys a new host only in the year it is first
needed. The packing itself is the engine's (:func:`saiteki.consolidation.optimizer.solve_packing`,
called through its public API); this module decides *what* is packed *when*, and prices the result.

Three candidate plans are built and the cheapest valid one over the horizon is kept:

- ``staged``: year by year, the year's movers are packed into the free room of the hosts in service
  (existing hosts first: they are pre-opened bins) and only the rest opens new hosts;
- ``staged_lasting``: the same, but movers only go to existing hosts that stay in service until the
  end of the plan (no machine moves twice; cheaper when migrations are expensive);
- ``single_packing``: one packing of every machine at once (the fewest hosts for the final year),
  each new host bought in the first year one of its machines arrives.

The *single-shot* comparison is the ``single_packing`` plan with every new host bought in the first
year — what the planner did before plans had years.

Every year of the chosen plan is verified by the optimizer's independent checker (capacity, segments,
anti-affinity, N+1) on that year's machines and hosts. Pure Python on plain data, no database, so it is
unit-tested on hand-solvable cases and benchmarked at 2,000 machines.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.optimizer import stop as opt_stop

HOURS_PER_YEAR = 8760

#: C3 cost categories (saiteki.ledger.choices.CostCategory values) a plan's yearly cost is split into.
CATEGORIES = ("hw_purchase", "hw_lease", "hw_maintenance", "sw_license", "migration", "other")

STAGED, STAGED_LASTING, SINGLE_PACKING = "staged", "staged_lasting", "single_packing"


class PlanCancelled(opt.Cancelled):
    """The run was cancelled while the plan was being computed."""


@dataclass(frozen=True)
class ExistingHostSpec:
    """A host of the shared platform as it is: its raw capacity, the last fiscal year it is in service
    (None: beyond the plan), its power draw and its yearly running cost by C3 category."""

    id: str
    capacity: dict[str, float]
    last_fy: int | None = None
    power_w: float = 0.0
    yearly: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "capacity": dict(self.capacity),
            "last_fy": self.last_fy,
            "power_w": self.power_w,
            "yearly": dict(self.yearly),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExistingHostSpec:
        return cls(
            id=str(d["id"]),
            capacity={str(k): float(v) for k, v in d["capacity"].items()},
            last_fy=None if d.get("last_fy") is None else int(d["last_fy"]),
            power_w=float(d.get("power_w", 0.0)),
            yearly={str(k): int(v) for k, v in (d.get("yearly") or {}).items()},
        )


@dataclass(frozen=True)
class PlanCosts:
    """What one new host costs (purchase once; lease, maintenance, licences per year; power), the
    electricity price, and the one-off migration cost per machine moved."""

    purchase: int = 0
    lease: int = 0
    maintenance: int = 0
    licence: int = 0
    power_w: float = 0.0
    yen_per_kwh: float = 0.0
    migration_per_machine: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "purchase": self.purchase,
            "lease": self.lease,
            "maintenance": self.maintenance,
            "licence": self.licence,
            "power_w": self.power_w,
            "yen_per_kwh": self.yen_per_kwh,
            "migration_per_machine": self.migration_per_machine,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanCosts:
        return cls(
            purchase=int(d.get("purchase", 0)),
            lease=int(d.get("lease", 0)),
            maintenance=int(d.get("maintenance", 0)),
            licence=int(d.get("licence", 0)),
            power_w=float(d.get("power_w", 0.0)),
            yen_per_kwh=float(d.get("yen_per_kwh", 0.0)),
            migration_per_machine=int(d.get("migration_per_machine", 0)),
        )

    def yearly_power_yen(self, watts: float) -> float:
        return watts * HOURS_PER_YEAR / 1000.0 * self.yen_per_kwh


@dataclass
class PlanProblem:
    """A plan's question. ``scenario`` holds every machine of the plan (candidates and the machines
    already on existing hosts), the one host model to buy (``host_models[0]``) and the rules.
    ``arrival`` gives each candidate's move year; ``resident`` maps machines already on the platform to
    their existing host; ``pinned`` keeps them there until the host leaves service."""

    scenario: opt.Scenario
    start_fy: int
    end_fy: int
    arrival: dict[str, int]
    existing: list[ExistingHostSpec] = field(default_factory=list)
    resident: dict[str, str] = field(default_factory=dict)
    pinned: bool = True
    costs: PlanCosts = field(default_factory=PlanCosts)

    def to_dict(self) -> dict[str, Any]:
        """The planner part of a run's stored inputs (the machines are in the scenario part)."""
        return {
            "start_fy": self.start_fy,
            "end_fy": self.end_fy,
            "arrival": dict(self.arrival),
            "existing": [h.to_dict() for h in self.existing],
            "resident": dict(self.resident),
            "pinned": self.pinned,
            "costs": self.costs.to_dict(),
        }

    @classmethod
    def from_dicts(cls, scenario: dict[str, Any], planner: dict[str, Any]) -> PlanProblem:
        return cls(
            scenario=opt.Scenario.from_dict(scenario),
            start_fy=int(planner["start_fy"]),
            end_fy=int(planner["end_fy"]),
            arrival={str(k): int(v) for k, v in planner.get("arrival", {}).items()},
            existing=[ExistingHostSpec.from_dict(h) for h in planner.get("existing", [])],
            resident={str(k): str(v) for k, v in planner.get("resident", {}).items()},
            pinned=bool(planner.get("pinned", True)),
            costs=PlanCosts.from_dict(planner.get("costs", {})),
        )

    @property
    def years(self) -> list[int]:
        return list(range(self.start_fy, self.end_fy + 1))


def existing_model_id(host_id: str) -> str:
    """The checker needs a model per host; an existing host is its own model."""
    return f"existing:{host_id}"


# --- internal state ------------------------------------------------------------------------------------


@dataclass
class _Host:
    key: str
    kind: str  # "existing" | "new"
    model: str
    usable: np.ndarray
    from_fy: int
    last_fy: int | None  # last year in service (None: to the end of the plan)
    segment: object = None  # the segment key it serves once it holds a machine
    claimed: bool = False
    members: set[str] = field(default_factory=set)
    load: np.ndarray | None = None

    def in_service(self, fy: int) -> bool:
        return self.from_fy <= fy and (self.last_fy is None or fy <= self.last_fy)


class _Context:
    """The problem in arrays: demand vectors, usable capacities, segment keys and conflicts."""

    def __init__(self, problem: PlanProblem):
        sc = problem.scenario
        self.problem = problem
        self.dims = list(sc.dimensions)
        self.machines = {m.id: m for m in sc.machines}
        self.demand = {m.id: np.array([m.demand.get(d, 0.0) for d in self.dims]) for m in sc.machines}
        self.model = sc.host_models[0]
        self.new_usable = self.usable(self.model.capacity)
        self.sep = sc.rules.segment_separation
        self.conflicts: dict[str, set[str]] = defaultdict(set)
        for g in sc.rules.anti_affinity:
            for a in g:
                for b in g:
                    if a != b:
                        self.conflicts[a].add(b)
        self.existing = {h.id: h for h in problem.existing}

    def usable(self, capacity: dict[str, float]) -> np.ndarray:
        r = self.problem.scenario.rules
        return np.array(
            [
                capacity.get(d, 0.0) * r.overcommit.get(d, 1.0) * (1.0 - r.headroom.get(d, 0.0))
                for d in self.dims
            ]
        )

    def seg(self, mid: str) -> object:
        return self.machines[mid].segment if self.sep else ""

    def measure(self, mid: str) -> float:
        return float((self.demand[mid] / np.maximum(self.new_usable, 1e-12)).sum())


@dataclass
class _Plan:
    """One candidate plan: hosts, each machine's itinerary ``[(fy, host key), …]`` and the purchases."""

    strategy: str
    hosts: dict[str, _Host]
    itinerary: dict[str, list[tuple[int, str]]]
    lower_bound: int = 0
    solver_bins: int = 0


class _Budget:
    """Share the time limit between the packings, in proportion to the machines each one places."""

    def __init__(self, seconds: float, total_items: int, should_stop: Callable[[], bool] | None):
        self.deadline = time.monotonic() + max(seconds, 0.1)
        self.items_left = max(total_items, 1)
        self.should_stop = should_stop

    def share(self, items: int) -> float:
        if self.should_stop is not None and self.should_stop():
            raise PlanCancelled
        left = max(self.deadline - time.monotonic(), 0.0)
        s = max(0.05, left * items / max(self.items_left, 1))
        self.items_left = max(self.items_left - items, 1)
        return s


# --- packing one year's movers ---------------------------------------------------------------------------


def _pack_movers(
    ctx: _Context,
    hosts: dict[str, _Host],
    movers: list[str],
    fy: int,
    budget: _Budget,
    seed: int,
    new_prefix: str,
    eligible: Callable[[_Host], bool],
) -> tuple[dict[str, str], int, int]:
    """Place ``movers`` onto the hosts in service in ``fy`` (those ``eligible``) and new hosts bought
    in ``fy``; returns machine → host key, a lower bound on the new hosts needed and how many the
    engine opened.

    Each in-service host is a pre-opened bin whose capacity is what its residents leave free; residents
    that conflict with a mover (anti-affinity) are kept in the bin as locked items so the conflict is
    seen by the engine.
    """
    groups: dict[object, list[str]] = defaultdict(list)
    for mid in movers:
        groups[ctx.seg(mid)].append(mid)
    placed: dict[str, str] = {}
    lb_total = 0
    bins_total = 0
    order = sorted(groups, key=lambda k: -sum(ctx.measure(m) for m in groups[k]))
    for key in order:
        ms = sorted(groups[key])
        pre_hosts = [
            h
            for h in hosts.values()
            if h.in_service(fy)
            and eligible(h)
            and ((h.claimed and h.segment == key) or not h.claimed or not ctx.sep)
        ]
        pre_hosts.sort(key=lambda h: (h.kind != "existing", h.from_fy, h.key))
        mover_set = set(ms)
        locked_items: list[str] = []
        pre_bins: list[opt.PreBin] = []
        for h in pre_hosts:
            conflicting = sorted(r for r in h.members if ctx.conflicts.get(r, set()) & mover_set)
            load = np.zeros(len(ctx.dims))
            for r in h.members:
                if r not in conflicting:
                    load += ctx.demand[r]
            cap = np.maximum(h.usable - load, 0.0)
            first = len(locked_items)
            locked_items.extend(conflicting)
            pre_bins.append(opt.PreBin(capacity=cap, locked=list(range(first, first + len(conflicting)))))
        items = locked_items + ms
        index = {mid: i for i, mid in enumerate(items)}
        conflicts = [{index[o] for o in ctx.conflicts.get(mid, set()) if o in index} for mid in items]
        sizes = np.array([ctx.demand[m] for m in items]).reshape(len(items), len(ctx.dims))
        problem = opt.PackingProblem(
            sizes=sizes, capacity=ctx.new_usable, conflicts=conflicts, preopened=pre_bins
        )
        out = opt.solve_packing(problem, time_limit=budget.share(len(ms)), seed=seed)
        # Pre-opened bins always count in the engine's bound; what is bounded here is the new hosts.
        lb_total += max(0, out.lower_bound - len(pre_hosts))
        bins_total += max(0, len(out.bins) - len(pre_hosts))
        for k, bin_items in enumerate(out.bins):
            if k < len(pre_hosts):
                host = pre_hosts[k]
            else:
                if not bin_items:
                    continue
                n = sum(1 for h in hosts.values() if h.kind == "new") + 1
                host = _Host(
                    key=f"{new_prefix}{n}",
                    kind="new",
                    model=ctx.model.id,
                    usable=ctx.new_usable,
                    from_fy=fy,
                    last_fy=None,
                )
                hosts[host.key] = host
            got = [items[i] for i in bin_items if items[i] in mover_set]
            if got and not host.claimed:
                host.claimed, host.segment = True, key
            for mid in got:
                placed[mid] = host.key
                host.members.add(mid)
    return placed, lb_total, bins_total


def _members_at(itinerary: dict[str, list[tuple[int, str]]], fy: int) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for mid, steps in itinerary.items():
        key = _host_at(steps, fy)
        if key is not None:
            members[key].add(mid)
    return members


def _survives_any_loss(ctx: _Context, hosts: list[_Host], free_hosts: list[_Host]) -> bool:
    """A quick, sufficient N+1 test for one segment's hosts: for every host, its machines (largest
    first) first-fit into the room the others leave (and into empty hosts), without two machines of
    a redundancy group meeting. It may answer no where a cleverer re-placement exists (a spare too
    many is bought then); the plan's independent check in every year is the checker's exhaustive one.
    """
    loads = {
        h.key: sum((ctx.demand[m] for m in h.members), np.zeros(len(ctx.dims))) for h in hosts + free_hosts
    }
    for lost in hosts:
        if not lost.members:
            continue
        others = [h for h in hosts + free_hosts if h.key != lost.key]
        free = {h.key: h.usable - loads[h.key] for h in others}
        residents = {h.key: set(h.members) for h in others}
        for mid in sorted(lost.members, key=lambda m: -ctx.measure(m)):
            size = ctx.demand[mid]
            for h in others:
                if np.all(size <= free[h.key] * (1 + 1e-9) + 1e-9) and not (
                    ctx.conflicts.get(mid, set()) & residents[h.key]
                ):
                    free[h.key] = free[h.key] - size
                    residents[h.key].add(mid)
                    break
            else:
                return False
    return True


def _ensure_n_plus_one(
    ctx: _Context, hosts: dict[str, _Host], fy: int, new_prefix: str, members: dict[str, set[str]]
) -> None:
    """Buy empty spare hosts in ``fy`` (at most two per segment) until every segment's hosts survive
    the loss of any one host (:func:`_survives_any_loss`). An empty host of the purchasable model
    absorbs any new host's load; a spare is needed only when the room left is not enough."""
    if not ctx.problem.scenario.rules.n_plus_one:
        return
    by_seg: dict[object, list[_Host]] = defaultdict(list)
    free_hosts: list[_Host] = []
    for h in hosts.values():
        if not h.in_service(fy):
            continue
        if h.claimed:
            by_seg[h.segment].append(_copy(h, members.get(h.key, set())))
        elif not members.get(h.key):
            free_hosts.append(_copy(h, set()))
    for key, hs in sorted(by_seg.items(), key=lambda kv: str(kv[0])):
        for _attempt in range(2):
            if _survives_any_loss(ctx, hs, free_hosts):
                break
            n = sum(1 for h in hosts.values() if h.kind == "new") + 1
            spare = _Host(
                key=f"{new_prefix}{n}",
                kind="new",
                model=ctx.model.id,
                usable=ctx.new_usable,
                from_fy=fy,
                last_fy=None,
                segment=key,
                claimed=True,
            )
            hosts[spare.key] = spare
            hs.append(_copy(spare, set()))


def _copy(h: _Host, members: set[str]) -> _Host:
    return _Host(
        key=h.key,
        kind=h.kind,
        model=h.model,
        usable=h.usable,
        from_fy=h.from_fy,
        last_fy=h.last_fy,
        segment=h.segment,
        claimed=h.claimed,
        members=set(members),
    )


def _initial_hosts(ctx: _Context) -> dict[str, _Host]:
    hosts: dict[str, _Host] = {}
    for h in ctx.problem.existing:
        hosts[h.id] = _Host(
            key=h.id,
            kind="existing",
            model=existing_model_id(h.id),
            usable=ctx.usable(h.capacity),
            from_fy=-(10**6),
            last_fy=h.last_fy,
        )
    return hosts


def _retire_year(ctx: _Context, host_id: str) -> int:
    """The year a resident of this existing host has to move (the first year it is out of service)."""
    last = ctx.existing[host_id].last_fy
    if last is None:
        return ctx.problem.end_fy + 1
    return max(last + 1, ctx.problem.start_fy)


def _staged(ctx: _Context, budget: _Budget, seed: int, *, lasting_only: bool) -> _Plan:
    """Year by year: the year's movers fill the hosts in service first, the rest opens new hosts."""
    p = ctx.problem
    hosts = _initial_hosts(ctx)
    itinerary: dict[str, list[tuple[int, str]]] = {}
    for mid, host_id in p.resident.items():
        itinerary[mid] = [(p.start_fy - 1, host_id)]
        h = hosts[host_id]
        h.members.add(mid)
        if not h.claimed:
            h.claimed, h.segment = True, ctx.seg(mid)
    bins_final = 0

    def eligible(h: _Host) -> bool:
        return not lasting_only or h.kind == "new" or h.last_fy is None or h.last_fy >= p.end_fy

    for fy in p.years:
        movers = sorted(m for m, y in p.arrival.items() if y == fy and m not in p.resident)
        for h in list(hosts.values()):
            if h.kind == "existing" and not h.in_service(fy) and h.members:
                movers.extend(sorted(h.members))
                h.members.clear()
        for h in hosts.values():  # hosts out of service lose their segment claim
            if not h.in_service(fy):
                h.claimed = False
        if fy == p.start_fy and not p.pinned:
            for h in hosts.values():
                if h.kind == "existing" and h.in_service(fy) and h.members:
                    movers.extend(sorted(h.members))
                    h.members.clear()
                    h.claimed, h.segment = False, None
        if movers:
            placed, _lb, bins = _pack_movers(ctx, hosts, movers, fy, budget, seed, "N", eligible)
            for mid, key in placed.items():
                steps = itinerary.setdefault(mid, [])
                if not steps or steps[-1][1] != key:
                    steps.append((fy, key))
            bins_final += bins
        _ensure_n_plus_one(ctx, hosts, fy, "N", {k: h.members for k, h in hosts.items()})
    return _Plan(STAGED_LASTING if lasting_only else STAGED, hosts, itinerary, 0, bins_final)


def _single_packing(ctx: _Context, budget: _Budget, seed: int) -> _Plan:
    """One packing of every machine for the final year; each new host is bought in the first year one
    of its machines arrives. Residents of hosts that stay to the end are kept (pinned) or re-packed
    once in the first year (movable); residents of retiring hosts move when their host retires."""
    p = ctx.problem
    hosts = _initial_hosts(ctx)
    lasting = {h.id for h in p.existing if h.last_fy is None or h.last_fy >= p.end_fy}
    move_year: dict[str, int] = {}
    for mid, host_id in p.resident.items():
        if host_id in lasting and p.pinned:
            hosts[host_id].members.add(mid)
            if not hosts[host_id].claimed:
                hosts[host_id].claimed, hosts[host_id].segment = True, ctx.seg(mid)
        else:
            move_year[mid] = p.start_fy if host_id in lasting else _retire_year(ctx, host_id)
    for mid, fy in p.arrival.items():
        if mid not in p.resident and p.start_fy <= fy <= p.end_fy:
            move_year[mid] = fy
    final_fy = p.end_fy
    for h in hosts.values():
        if h.kind == "existing" and h.key not in lasting:
            h.members.clear()
    movers = sorted(move_year)
    placed, lb, bins = _pack_movers(
        ctx, hosts, movers, final_fy, budget, seed, "S", lambda h: h.kind == "new" or h.key in lasting
    )
    # Purchase year of each new host: the first year one of its machines arrives.
    for h in hosts.values():
        if h.kind == "new":
            h.from_fy = min((move_year[m] for m in h.members), default=p.start_fy)
    itinerary: dict[str, list[tuple[int, str]]] = {}
    for mid, host_id in p.resident.items():
        itinerary[mid] = [(p.start_fy - 1, host_id)]
    for mid, key in placed.items():
        steps = itinerary.setdefault(mid, [])
        if not steps or steps[-1][1] != key:
            steps.append((move_year[mid], key))
    # N+1 spares: bought with the first hosts of their segment, so every year is covered.
    for fy in p.years:
        _ensure_n_plus_one(ctx, hosts, fy, "S", _members_at(itinerary, fy))
    existing_final = sum(1 for h in hosts.values() if h.kind == "existing" and h.in_service(p.end_fy))
    return _Plan(SINGLE_PACKING, hosts, itinerary, existing_final + lb, bins)


def _renumber(hosts: dict[str, _Host], itinerary: dict[str, list[tuple[int, str]]], prefix: str) -> None:
    """New hosts numbered by purchase year, so 「新ホスト1」 is the first one bought."""
    new = sorted((h for h in hosts.values() if h.kind == "new"), key=lambda h: (h.from_fy, _natural(h.key)))
    mapping = {h.key: f"N{i}" for i, h in enumerate(new, start=1)}
    for h in new:
        del hosts[h.key]
    for h in new:
        h.key = mapping[h.key]
        hosts[h.key] = h
    for steps in itinerary.values():
        steps[:] = [(fy, mapping.get(k, k)) for fy, k in steps]


def _host_at(steps: list[tuple[int, str]], fy: int) -> str | None:
    key = None
    for y, k in steps:
        if y <= fy:
            key = k
    return key


# --- verification and cost ---------------------------------------------------------------------------


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


def _year_state(ctx: _Context, plan: _Plan, fy: int) -> list[_Host]:
    """The hosts in service in ``fy`` with the machines on them (copies; the plan is not changed)."""
    members = _members_at(plan.itinerary, fy)
    ordered = sorted(plan.hosts.values(), key=lambda h: (h.kind != "existing", h.from_fy, _natural(h.key)))
    return [_copy(h, members.get(h.key, set())) for h in ordered if h.in_service(fy)]


def _natural(key: str) -> tuple:
    digits = "".join(c for c in key if c.isdigit())
    return (key.rstrip("0123456789"), int(digits) if digits else 0, key)


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


# --- entry point ----------------------------------------------------------------------------------------


#: ``report(percent, stage)``: stage is one of these keys (the app words them).
STAGES = ("single_packing", "staged", "staged_lasting", "verify", "fits_now")
Report = Callable[[int, str], None]


def plan(
    problem: PlanProblem,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    report: Report | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Build the candidate plans, verify and price each, keep the cheapest valid one (see module doc).

    Returns a JSON-ready dict: ``rows`` per fiscal year, ``hosts``, each machine's ``itinerary``, the
    chosen ``strategy`` and every candidate's cost, the ``single_shot`` comparison, and — when there are
    existing hosts — ``fits_now``. Raises :class:`PlanCancelled` when ``should_stop`` says so, and
    ``opt.ScenarioError`` for inputs the engine would refuse.
    """
    with opt_stop.watching(should_stop):
        try:
            return _plan(problem, time_limit=time_limit, seed=seed, report=report, should_stop=should_stop)
        except PlanCancelled:
            raise
        except opt.Cancelled as exc:  # a packing inside the plan stopped at the search's next check
            raise PlanCancelled from exc


def _plan(
    problem: PlanProblem,
    *,
    time_limit: float | None,
    seed: int | None,
    report: Report | None,
    should_stop: Callable[[], bool] | None,
) -> dict[str, Any]:
    t0 = time.monotonic()
    sc = problem.scenario
    if not sc.host_models:
        raise opt.ScenarioError("a host model to buy is required")
    if problem.end_fy < problem.start_fy:
        raise opt.ScenarioError("the plan ends before it starts")
    known_hosts = {h.id for h in problem.existing}
    for mid, host_id in problem.resident.items():
        if host_id not in known_hosts:
            raise opt.ScenarioError(f"resident {mid} is on unknown host {host_id}")
    ctx = _Context(problem)
    unknown = [m for m in list(problem.arrival) + list(problem.resident) if m not in ctx.machines]
    if unknown:
        raise opt.ScenarioError(f"unknown machines {unknown[:3]}")
    outside = [m for m, y in problem.arrival.items() if not problem.start_fy <= y <= problem.end_fy]
    if outside:
        raise opt.ScenarioError(f"machines move outside the plan's years: {outside[:3]}")
    too_big = [m for m in ctx.machines if np.any(ctx.demand[m] > ctx.new_usable * (1 + 1e-9) + 1e-9)]
    if too_big:
        raise opt.ScenarioError(f"machines larger than one host: {too_big[:3]}")
    limit = float(sc.time_limit if time_limit is None else time_limit)
    rng_seed = int(sc.seed if seed is None else seed)
    lasting_matters = any(h.last_fy is not None and h.last_fy < problem.end_fy for h in problem.existing)
    n_items = len(problem.arrival) + len(problem.resident)
    shares = {SINGLE_PACKING: 0.35, STAGED: 0.35 if lasting_matters else 0.55, STAGED_LASTING: 0.2}

    def progress(pct: int, stage: str) -> None:
        if report is not None:
            report(pct, stage)

    progress(10, "single_packing")
    single = _single_packing(ctx, _Budget(limit * shares[SINGLE_PACKING], n_items, should_stop), rng_seed)
    candidates = [single]
    progress(35, "staged")
    budget = _Budget(limit * shares[STAGED], n_items * 2, should_stop)
    candidates.append(_staged(ctx, budget, rng_seed, lasting_only=False))
    if lasting_matters:
        progress(55, "staged_lasting")
        budget = _Budget(limit * shares[STAGED_LASTING], n_items * 2, should_stop)
        candidates.append(_staged(ctx, budget, rng_seed, lasting_only=True))
    progress(70, "verify")

    def new_count(c: _Plan) -> int:
        return sum(1 for h in c.hosts.values() if h.kind == "new")

    # Price every candidate, then let the independent checker verify the cheapest, every year; the next
    # cheapest only if it fails (the checker's N+1 search is the expensive part).
    priced = []
    for cand in candidates:
        _renumber(cand.hosts, cand.itinerary, "N")
        priced.append((cand, _evaluate(ctx, cand, check=False)))
    priced.sort(key=lambda ce: (ce[1]["total_cost"], new_count(ce[0])))
    evaluated: list[tuple[_Plan, dict[str, Any]]] = []
    best = best_ev = None
    for cand, _priced_ev in priced:
        if should_stop is not None and should_stop():
            raise PlanCancelled
        checked = _evaluate(ctx, cand)
        evaluated.append((cand, checked))
        if checked["feasible"]:
            best, best_ev = cand, checked
            break
    if best is None or best_ev is None:
        best, best_ev = evaluated[0]
    checked_keys = {c.strategy: e["feasible"] for c, e in evaluated}
    progress(85, "fits_now")
    fits_now = _fits_now(ctx, _Budget(max(limit * 0.1, 0.2), n_items, should_stop), rng_seed)
    single_shot = _single_shot_cost(ctx, single)
    final_state = _year_state(ctx, best, problem.end_fy)
    hosts_out = [
        {
            "key": h.key,
            "kind": h.kind,
            "model": h.model,
            "segment": h.segment if (ctx.sep and isinstance(h.segment, str)) else None,
            "from_fy": h.from_fy if h.kind == "new" else None,
            "last_fy": h.last_fy,
            "usable": {d: round(float(h.usable[j]), 3) for j, d in enumerate(ctx.dims)},
        }
        for h in sorted(best.hosts.values(), key=lambda h: (h.kind != "existing", h.from_fy, _natural(h.key)))
    ]
    return {
        "start": problem.start_fy,
        "end": problem.end_fy,
        "years": problem.years,
        "strategy": best.strategy,
        "strategies": [
            {
                "key": c.strategy,
                "total_cost": e["total_cost"],
                "feasible": checked_keys.get(c.strategy),  # None: more expensive, not needed, not checked
                "new_hosts": new_count(c),
            }
            for c, e in priced
        ],
        "hosts": hosts_out,
        "itinerary": {m: [[fy, k] for fy, k in steps] for m, steps in sorted(best.itinerary.items())},
        "rows": best_ev["rows"],
        "total_cost": best_ev["total_cost"],
        "feasible": best_ev["feasible"],
        "orphans": best_ev["orphans"],
        "new_hosts": new_count(best),
        "final_hosts": len(final_state),
        "lower_bound": min(single.lower_bound, len(final_state)),
        "single_shot": single_shot,
        "saving_vs_single_shot": single_shot["total_cost"] - best_ev["total_cost"],
        "fits_now": fits_now,
        "seconds": round(time.monotonic() - t0, 3),
    }


def final_result(problem: PlanProblem, planned: dict[str, Any]) -> dict[str, Any]:
    """The plan's last year as a :class:`~saiteki.consolidation.optimizer.PlacementResult` dict (hosts in
    service and their machines), so the result page, the export and the checker read it like a
    one-shot result. ``scenario_for_check`` gives the matching scenario."""
    ctx = _Context(problem)
    hosts: dict[str, _Host] = {}
    for h in planned["hosts"]:
        usable = np.array([h["usable"][d] for d in ctx.dims])
        hosts[h["key"]] = _Host(
            key=h["key"],
            kind=h["kind"],
            model=h["model"],
            usable=usable,
            from_fy=h["from_fy"] if h["from_fy"] is not None else -(10**6),
            last_fy=h["last_fy"],
            segment=h["segment"],
        )
    itinerary = {m: [(int(fy), str(k)) for fy, k in steps] for m, steps in planned["itinerary"].items()}
    state = _year_state(ctx, _Plan(planned["strategy"], hosts, itinerary), problem.end_fy)
    result = _year_result(ctx, state)
    d = result.to_dict()
    d["hosts_used"] = len(state)
    d["lower_bound"] = planned["lower_bound"]
    d["gap"] = (
        (len(state) - planned["lower_bound"]) / planned["lower_bound"] if planned["lower_bound"] else 0.0
    )
    d["optimal"] = len(state) <= planned["lower_bound"]
    d["seconds"] = planned["seconds"]
    d["seed"] = problem.scenario.seed
    d["time_limit"] = problem.scenario.time_limit
    d["hosts_per_model"] = {}
    return d


def scenario_for_check(problem: PlanProblem, planned: dict[str, Any]) -> opt.Scenario:
    """The final year's scenario (its machines, the host model and the existing hosts' own models)."""
    ctx = _Context(problem)
    on_platform = {
        m
        for m, steps in planned["itinerary"].items()
        if _host_at([(int(a), b) for a, b in steps], problem.end_fy)
    }
    machines = [ctx.machines[m] for m in sorted(on_platform)]
    return _year_scenario(ctx, machines, {h["model"] for h in planned["hosts"]})
