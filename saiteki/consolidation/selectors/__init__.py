"""Reads of the consolidation planner: lists, a scenario's selection preview, and the result report
(hosts, rules, savings, waves) that the result page and the xlsx export both render.

The report is assembled once here so the page and the spreadsheet cannot disagree, and so access
control stays out of templates: cost rows of systems the user may not see in the ledger are folded
into one anonymous row (the plan is master data; another division's costs are not).

By concern: :mod:`.runs` (lists, preview, the result report, adoption and progress), :mod:`.plans`
(the multi-year section of the report and the budget request) and :mod:`.labels` (how hosts, rules,
strategies and cost lines are named). Callers use this package (``selectors.run_report``).
"""

from saiteki.consolidation.selectors.labels import (
    DIM_LABELS,
    LINE_KEYS,
    RULE_LABELS,
    STRATEGY_LABELS,
    host_label,
)
from saiteki.consolidation.selectors.plans import budget_categories, budget_rows, plan_report, plan_years
from saiteki.consolidation.selectors.runs import (
    REASON_LABELS,
    STATE_LABELS,
    adoption_preview,
    progress_report,
    run_document_scoped,
    run_report,
    runs_for_scenario,
    scenario_preview,
    scenarios_for_list,
)

__all__ = [
    "DIM_LABELS",
    "LINE_KEYS",
    "REASON_LABELS",
    "RULE_LABELS",
    "STATE_LABELS",
    "STRATEGY_LABELS",
    "adoption_preview",
    "budget_categories",
    "budget_rows",
    "host_label",
    "plan_report",
    "plan_years",
    "progress_report",
    "run_document_scoped",
    "run_report",
    "runs_for_scenario",
    "scenario_preview",
    "scenarios_for_list",
]
