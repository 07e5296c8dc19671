"""Typed input and output of the consolidation optimizer, with plain-dict (JSON) round trips.

The Django app stores scenarios and results as JSON, so every type here converts to and from plain
dicts of str/int/float/bool/list/dict.  Nothing in this module knows how the packing is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ScenarioError(ValueError):
    """The scenario is malformed or its rules contradict each other (no placement can exist)."""


@dataclass(frozen=True)
class Machine:
    """A server or VM to place.  ``demand`` maps a dimension name (e.g. ``vcpu``) to an amount."""

    id: str
    demand: dict[str, float]
    segment: str | None = None
    current_host: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "demand": dict(self.demand),
            "segment": self.segment,
            "current_host": self.current_host,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Machine:
        return cls(
            id=str(d["id"]),
            demand={str(k): float(v) for k, v in d["demand"].items()},
            segment=d.get("segment"),
            current_host=d.get("current_host"),
        )


@dataclass(frozen=True)
class HostModel:
    """A virtualisation-host model one can buy: raw capacity per dimension, price and power draw."""

    id: str
    capacity: dict[str, float]
    unit_cost: float = 0.0
    power_w: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "capacity": dict(self.capacity),
            "unit_cost": self.unit_cost,
            "power_w": self.power_w,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HostModel:
        return cls(
            id=str(d["id"]),
            capacity={str(k): float(v) for k, v in d["capacity"].items()},
            unit_cost=float(d.get("unit_cost", 0.0)),
            power_w=float(d.get("power_w", 0.0)),
        )


@dataclass(frozen=True)
class ExistingHost:
    """A host that already exists (e.g. the integrated platform).  Pinned machines refer to it by id;
    a referenced existing host is opened before anything else is packed and counts as a used host."""

    id: str
    model: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "model": self.model}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExistingHost:
        return cls(id=str(d["id"]), model=str(d["model"]))


@dataclass(frozen=True)
class Rules:
    """Placement rules; each is optional (empty / off by default).

    ``overcommit`` maps a dimension to a ratio (vCPU 4.0 means four virtual CPUs per physical one);
    ``headroom`` maps a dimension to the fraction kept free.  Usable capacity of a host in a dimension
    is ``capacity × overcommit × (1 − headroom)``.
    """

    segment_separation: bool = False
    anti_affinity: list[list[str]] = field(default_factory=list)
    affinity: list[list[str]] = field(default_factory=list)
    pinned: dict[str, str] = field(default_factory=dict)
    overcommit: dict[str, float] = field(default_factory=dict)
    headroom: dict[str, float] = field(default_factory=dict)
    n_plus_one: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment_separation": self.segment_separation,
            "anti_affinity": [list(g) for g in self.anti_affinity],
            "affinity": [list(g) for g in self.affinity],
            "pinned": dict(self.pinned),
            "overcommit": dict(self.overcommit),
            "headroom": dict(self.headroom),
            "n_plus_one": self.n_plus_one,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Rules:
        d = d or {}
        return cls(
            segment_separation=bool(d.get("segment_separation", False)),
            anti_affinity=[[str(x) for x in g] for g in d.get("anti_affinity", [])],
            affinity=[[str(x) for x in g] for g in d.get("affinity", [])],
            pinned={str(k): str(v) for k, v in d.get("pinned", {}).items()},
            overcommit={str(k): float(v) for k, v in d.get("overcommit", {}).items()},
            headroom={str(k): float(v) for k, v in d.get("headroom", {}).items()},
            n_plus_one=bool(d.get("n_plus_one", False)),
        )


@dataclass(frozen=True)
class Scenario:
    """Everything the optimizer needs: the dimensions to respect, the machines, the host models one may
    buy, hosts that already exist, the rules, and the search budget (time limit in seconds, seed)."""

    dimensions: list[str]
    machines: list[Machine]
    host_models: list[HostModel]
    rules: Rules = field(default_factory=Rules)
    existing_hosts: list[ExistingHost] = field(default_factory=list)
    time_limit: float = 10.0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimensions": list(self.dimensions),
            "machines": [m.to_dict() for m in self.machines],
            "host_models": [h.to_dict() for h in self.host_models],
            "rules": self.rules.to_dict(),
            "existing_hosts": [h.to_dict() for h in self.existing_hosts],
            "time_limit": self.time_limit,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scenario:
        return cls(
            dimensions=[str(x) for x in d["dimensions"]],
            machines=[Machine.from_dict(m) for m in d["machines"]],
            host_models=[HostModel.from_dict(h) for h in d["host_models"]],
            rules=Rules.from_dict(d.get("rules")),
            existing_hosts=[ExistingHost.from_dict(h) for h in d.get("existing_hosts", [])],
            time_limit=float(d.get("time_limit", 10.0)),
            seed=int(d.get("seed", 0)),
        )


@dataclass(frozen=True)
class HostPlan:
    """One host of the result: which model, which machines, and how full it is per dimension
    (load ÷ usable capacity, so 1.0 means the headroom limit is reached)."""

    index: int
    host_id: str
    model: str
    segment: str | None
    machines: list[str]
    utilisation: dict[str, float]
    existing: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "host_id": self.host_id,
            "model": self.model,
            "segment": self.segment,
            "machines": list(self.machines),
            "utilisation": dict(self.utilisation),
            "existing": self.existing,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HostPlan:
        return cls(
            index=int(d["index"]),
            host_id=str(d["host_id"]),
            model=str(d["model"]),
            segment=d.get("segment"),
            machines=[str(x) for x in d["machines"]],
            utilisation={str(k): float(v) for k, v in d["utilisation"].items()},
            existing=bool(d.get("existing", False)),
        )


@dataclass(frozen=True)
class RuleCheck:
    """The independent checker's verdict on one rule."""

    rule: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RuleCheck:
        return cls(rule=str(d["rule"]), passed=bool(d["passed"]), detail=str(d.get("detail", "")))


@dataclass(frozen=True)
class PlacementResult:
    """The optimizer's answer.  ``placement`` maps machine id → index into ``hosts``; ``optimal`` is
    True only when the host count equals a proven lower bound."""

    placement: dict[str, int]
    hosts: list[HostPlan]
    hosts_per_model: dict[str, int]
    hosts_used: int
    lower_bound: int
    gap: float
    optimal: bool
    rules: list[RuleCheck]
    seconds: float
    seed: int
    time_limit: float
    total_cost: float = 0.0
    total_power_w: float = 0.0
    ffd_hosts: int = 0
    feasible: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "placement": dict(self.placement),
            "hosts": [h.to_dict() for h in self.hosts],
            "hosts_per_model": dict(self.hosts_per_model),
            "hosts_used": self.hosts_used,
            "lower_bound": self.lower_bound,
            "gap": self.gap,
            "optimal": self.optimal,
            "rules": [r.to_dict() for r in self.rules],
            "seconds": self.seconds,
            "seed": self.seed,
            "time_limit": self.time_limit,
            "total_cost": self.total_cost,
            "total_power_w": self.total_power_w,
            "ffd_hosts": self.ffd_hosts,
            "feasible": self.feasible,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlacementResult:
        return cls(
            placement={str(k): int(v) for k, v in d["placement"].items()},
            hosts=[HostPlan.from_dict(h) for h in d["hosts"]],
            hosts_per_model={str(k): int(v) for k, v in d["hosts_per_model"].items()},
            hosts_used=int(d["hosts_used"]),
            lower_bound=int(d["lower_bound"]),
            gap=float(d["gap"]),
            optimal=bool(d["optimal"]),
            rules=[RuleCheck.from_dict(r) for r in d["rules"]],
            seconds=float(d["seconds"]),
            seed=int(d["seed"]),
            time_limit=float(d["time_limit"]),
            total_cost=float(d.get("total_cost", 0.0)),
            total_power_w=float(d.get("total_power_w", 0.0)),
            ffd_hosts=int(d.get("ffd_hosts", 0)),
            feasible=bool(d.get("feasible", True)),
        )
