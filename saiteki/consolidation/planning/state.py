"""The planner's working state, shared by the packing, the evaluation and the entry point: the problem
in arrays, the hosts with their machines, one candidate plan, the time budget, and the helpers that
read a plan's state in a given year. Internal to the package (hence the underscore names).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from saiteki.consolidation.planning.problem import PlanCancelled, PlanProblem, existing_model_id


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


def _host_at(steps: list[tuple[int, str]], fy: int) -> str | None:
    key = None
    for y, k in steps:
        if y <= fy:
            key = k
    return key


def _members_at(itinerary: dict[str, list[tuple[int, str]]], fy: int) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for mid, steps in itinerary.items():
        key = _host_at(steps, fy)
        if key is not None:
            members[key].add(mid)
    return members


def _year_state(ctx: _Context, plan: _Plan, fy: int) -> list[_Host]:
    """The hosts in service in ``fy`` with the machines on them (copies; the plan is not changed)."""
    members = _members_at(plan.itinerary, fy)
    ordered = sorted(plan.hosts.values(), key=lambda h: (h.kind != "existing", h.from_fy, _natural(h.key)))
    return [_copy(h, members.get(h.key, set())) for h in ordered if h.in_service(fy)]


def _natural(key: str) -> tuple:
    digits = "".join(c for c in key if c.isdigit())
    return (key.rstrip("0123456789"), int(digits) if digits else 0, key)
