"""The multi-year section of the result report (plans over fiscal years): the per-year table and
chart, the budget request in the C3 categories, the candidate strategies, the single-shot comparison
and the extension answer (what fits on the existing platform). Read from the run's stored plan.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from saiteki.consolidation import selection
from saiteki.consolidation.models import ScenarioRun
from saiteki.consolidation.savings import UNIT_LABELS, formula_text
from saiteki.consolidation.selectors.labels import LINE_KEYS, RULE_LABELS, STRATEGY_LABELS, host_label
from saiteki.core.display import fy_text
from saiteki.ledger.choices import CostCategory, CostGroup, group_of


def budget_rows(run: ScenarioRun) -> list[dict]:
    """The plan's budget request per fiscal year in the C3 cost categories (what a P case asks for)."""
    plan = run.plan or {}
    out = []
    for r in plan.get("rows", []):
        cats = {c: int(a) for c, a in r["categories"].items()}
        out.append(
            {
                "fy": r["fy"],
                "label": fy_text(r["fy"]),
                "categories": cats,
                "build": sum(a for c, a in cats.items() if group_of(c) == CostGroup.BUILD),
                "run": sum(a for c, a in cats.items() if group_of(c) == CostGroup.RUN),
                "total": r["total"],
                "bought": len(r["bought"]),
                "hosts_in_service": r["hosts_in_service"],
                "moved": len(r["moved"]),
            }
        )
    return out


def budget_categories(run: ScenarioRun) -> list[tuple[str, str]]:
    """The C3 categories the plan uses, in the national order, with their labels."""
    used = {c for r in (run.plan or {}).get("rows", []) for c, a in r["categories"].items() if a}
    return [(c.value, str(c.label)) for c in CostCategory if c.value in used]


def plan_years(run: ScenarioRun) -> list[dict] | None:
    """Per fiscal year of a plan: hosts, purchases, moves, cost (the API's and the table's rows)."""
    plan = run.plan
    if not plan:
        return None
    return [
        {
            "fiscal_year": r["fy"],
            "hosts_in_service": r["hosts_in_service"],
            "existing_in_service": r["existing_in_service"],
            "new_in_service": r["new_in_service"],
            "hosts_bought": len(r["bought"]),
            "hosts_retired": len(r["retired"]),
            "machines_moved": len(r["moved"]),
            "machines_on_platform": r["on_platform"],
            "cost": r["total"],
            "cost_cumulative": r["cumulative"],
            "cost_by_category": r["categories"],
            "single_shot_cost": next(
                (x["total"] for x in plan["single_shot"]["rows"] if x["fy"] == r["fy"]), None
            ),
            "rules_passed": r["feasible"],
        }
        for r in plan["rows"]
    ]


def plan_report(*, run: ScenarioRun, visible: set[int], full: bool) -> dict:
    """The multi-year section of the result page (and export): per-year table and chart data, the
    budget request, the candidate strategies, the single-shot comparison and the extension answer."""
    plan = run.plan
    if not plan:
        return {"plan": None}
    machines = {m["id"]: m for m in (run.snapshot or {}).get("machines", [])}
    systems_meta = (run.snapshot or {}).get("systems", {})
    host_labels = {h["key"]: _host_key_label(h) for h in plan["hosts"]}
    shot = {x["fy"]: x["total"] for x in plan["single_shot"]["rows"]}
    rows = []
    for r in plan["rows"]:
        sys_ids = {s for mid in r["moved"] for s in machines.get(mid, {}).get("systems", [])}
        failed = [str(RULE_LABELS.get(c["rule"], c["rule"])) for c in r["checks"] if not c["passed"]]
        rows.append(
            {
                "fy": r["fy"],
                "label": fy_text(r["fy"]),
                "hosts_in_service": r["hosts_in_service"],
                "existing_in_service": r["existing_in_service"],
                "new_in_service": r["new_in_service"],
                "bought": len(r["bought"]),
                "bought_labels": [host_labels.get(k, k) for k in r["bought"]],
                "retired": len(r["retired"]),
                "retired_labels": r["retired"],
                "moved": len(r["moved"]),
                "systems_moved": len(sys_ids),
                "on_platform": r["on_platform"],
                "total": r["total"],
                "cumulative": r["cumulative"],
                "single_shot": shot.get(r["fy"]),
                "feasible": r["feasible"],
                "failed_rules": failed,
                "lines": [
                    {
                        "category": str(CostCategory(line["category"]).label),
                        "label": str(LINE_KEYS.get(line["key"], line["key"])),
                        "formula": formula_text(line, UNIT_LABELS),
                        "amount": line["amount"],
                    }
                    for line in r["lines"]
                ],
            }
        )
    chart = {
        "labels": [fy_text(r["fy"], style="wareki") for r in plan["rows"]],
        "names": [
            _("購入するホスト数"),
            _("移行する機器数"),
            _("稼働ホスト数"),
            _("経費（年度別計画・万円）"),
            _("経費（一括購入・万円）"),
        ],
        "bought": [len(r["bought"]) for r in plan["rows"]],
        "moved": [len(r["moved"]) for r in plan["rows"]],
        "hosts": [r["hosts_in_service"] for r in plan["rows"]],
        "cost": [round(r["total"] / 10000) for r in plan["rows"]],
        "single_shot": [round(shot.get(r["fy"], 0) / 10000) for r in plan["rows"]],
    }
    hosts = [
        {
            **h,
            "label": host_labels[h["key"]],
            "from_label": fy_text(h["from_fy"]) if h.get("from_fy") else "",
            "last_label": fy_text(h["last_fy"]) if h.get("last_fy") is not None else "",
            "segment_label": selection.segment_label(h["segment"]) if h.get("segment") else "",
        }
        for h in plan["hosts"]
    ]
    strategies = [
        {**s, "label": str(STRATEGY_LABELS.get(s["key"], s["key"])), "chosen": s["key"] == plan["strategy"]}
        for s in plan["strategies"]
    ]
    outside = (run.snapshot or {}).get("planner", {}).get("outside", [])
    return {
        "plan": plan,
        "plan_rows": rows,
        "plan_chart_json": json.dumps(chart, ensure_ascii=False),
        "plan_hosts": hosts,
        "plan_strategies": strategies,
        "plan_strategy_label": str(STRATEGY_LABELS.get(plan["strategy"], plan["strategy"])),
        "budget": [
            {**b, "cells": [b["categories"].get(c, 0) for c, _label in budget_categories(run)]}
            for b in budget_rows(run)
        ],
        "budget_categories": budget_categories(run),
        "plan_outside": [
            {**o, "label": fy_text(o["fy"])}
            for o in outside
            if full or any(int(s) in visible for s in machines.get(o["id"], {}).get("systems", []))
        ],
        "extension": _extension_report(run, plan, machines, systems_meta, visible, full),
    }


def _host_key_label(h: dict) -> str:
    return host_label({"host_id": h["key"], "existing": h["kind"] == "existing"})


def _extension_report(
    run: ScenarioRun, plan: dict, machines: dict, systems_meta: dict, visible: set[int], full: bool
) -> dict | None:
    """「既存基盤の拡張」: the existing hosts as they are, which candidate systems fit on them now, how
    many new hosts the rest would need now, and how many over the plan."""
    fits = plan.get("fits_now")
    if not fits:
        return None
    fitting = set(fits["fitting"])
    by_system: dict[int, list[str]] = {}
    for mid, m in machines.items():
        if m.get("resident_host") or mid not in plan["itinerary"]:
            continue
        for sid in m["systems"]:
            by_system.setdefault(int(sid), []).append(mid)
    fit_systems: list[dict] = []
    other_systems: list[dict] = []
    for sid, mids in sorted(
        by_system.items(), key=lambda kv: systems_meta.get(str(kv[0]), {}).get("number", "")
    ):
        if not full and sid not in visible:
            continue
        meta = systems_meta.get(str(sid), {})
        entry = {
            "id": sid,
            "number": meta.get("number", ""),
            "name": meta.get("name", ""),
            "visible": sid in visible,
            "machines": sorted(mids),
        }
        (fit_systems if all(m in fitting for m in mids) else other_systems).append(entry)
    existing = []
    planner = (run.snapshot or {}).get("planner", {})
    meta_hosts = {h["name"]: h for h in planner.get("existing_hosts", [])}
    for h in fits["existing_hosts"]:
        mh = meta_hosts.get(h["host"], {})
        existing.append(
            {
                **h,
                "maintenance_end": mh.get("maintenance_end"),
                "last_label": fy_text(h["last_fy"])
                if h.get("last_fy") is not None
                else _("計画期間後も使用"),
                "before_max": max(h["before"].values(), default=0),
                "after_max": max(h["after"].values(), default=0),
                "added_count": len(h["added"]),
            }
        )
    residents = sum(1 for m in machines.values() if m.get("resident_host"))
    resident_systems = {s for m in machines.values() if m.get("resident_host") for s in m["systems"]}
    return {
        "existing_hosts": existing,
        "residents": residents,
        "resident_systems": len(resident_systems),
        "candidate_systems": len(by_system),
        "fit_systems": fit_systems,
        "other_systems": other_systems,
        "fit_count": sum(1 for sid, mids in by_system.items() if all(m in fitting for m in mids)),
        "new_hosts_now": fits["new_hosts"],
        "new_hosts_plan": plan["new_hosts"],
        "pinned": (run.inputs or {}).get("planner", {}).get("pinned", True),
        "mixed_hosts": planner.get("mixed_hosts", [])
        if (run.parameters or {}).get("segment_separation")
        else [],
        "systems_after": len(resident_systems) + len(by_system),
    }
