"""Server-consolidation optimizer: vector bin packing with placement rules, lower bounds and an
independent checker.  A pure library (no Django), so it is tested and benchmarked on its own.

Public API: ``solve(Scenario) -> PlacementResult``, ``check(Scenario, PlacementResult)``,
``solve_packing(PackingProblem)``, ``ffd(PackingProblem)`` and the model types; every search stops promptly when the caller's
``should_stop`` says so (``Cancelled``).
"""

from .checker import check
from .engine import PackOutcome, solve_packing
from .heuristics import ffd
from .model import (
    ExistingHost,
    HostModel,
    HostPlan,
    Machine,
    PlacementResult,
    RuleCheck,
    Rules,
    Scenario,
    ScenarioError,
)
from .packing import PackingProblem, PreBin
from .solver import solve
from .stop import Cancelled

__all__ = [
    "Cancelled",
    "ExistingHost",
    "HostModel",
    "HostPlan",
    "Machine",
    "PackOutcome",
    "PackingProblem",
    "PlacementResult",
    "PreBin",
    "RuleCheck",
    "Rules",
    "Scenario",
    "ScenarioError",
    "check",
    "ffd",
    "solve",
    "solve_packing",
]
