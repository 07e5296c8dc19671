"""The question a multi-year plan answers, as plain data: the machines' move years, the existing hosts
and what a new host costs. These are the planner's public types; a run stores them in its inputs
(``to_dict`` / ``from_dicts``) so the plan can be recomputed and audited from the run alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.savings import HOURS_PER_YEAR

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
