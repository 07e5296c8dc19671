"""Reads of the consolidation planner: lists, a scenario's selection preview, and the result report
(hosts, rules, savings, waves) that the result page and the xlsx export both render.

The report is assembled once here so the page and the spreadsheet cannot disagree, and so access
control stays out of templates: cost rows of systems the user may not see in the ledger are folded
into one anonymous row (the plan is master data; another division's costs are not).
"""

from __future__ import annotations

import json
from collections import Counter

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.consolidation import inputs, realised
from saiteki.consolidation.choices import RunStatus
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.consolidation.savings import FIGURE_LABELS, LINE_LABELS, UNIT_LABELS, formula_text
from saiteki.consolidation.waves import TRIGGER_LABELS
from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.ledger.choices import CostCategory, CostGroup, ServerKind, group_of
from saiteki.ledger.models import System

DIM_LABELS = {
    "vcpu": gettext_lazy("vCPU"),
    "memory_gib": gettext_lazy("メモリ(GiB)"),
    "storage_gib": gettext_lazy("ストレージ(GiB)"),
}
RULE_LABELS = {
    "placed_once": gettext_lazy("すべての機器をちょうど1回ずつ配置"),
    "capacity": gettext_lazy("容量（余裕率・オーバーコミット適用後）を超えない"),
    "segment_separation": gettext_lazy("ネットワーク区分の分離（三層分離）"),
    "anti_affinity": gettext_lazy("冗長化グループを別々のホストに配置"),
    "affinity": gettext_lazy("同居グループを同じホストに配置"),
    "pinned": gettext_lazy("固定指定の機器を指定ホストに配置"),
    "n_plus_one": gettext_lazy("N+1（どの1台が止まっても他のホストで引き受け可能）"),
}


STRATEGY_LABELS = {
    "staged": gettext_lazy("年度ごとに、稼働中のホストを先に埋め、足りない分だけ購入"),
    "staged_lasting": gettext_lazy(
        "年度ごとに購入（計画期間中に保守期限が来る既存ホストには新たに載せない）"
    ),
    "single_packing": gettext_lazy("全機器を一度に配置し、各ホストを最初に必要な年度に購入"),
}
LINE_KEYS = {
    "purchase": gettext_lazy("新ホストの購入"),
    "lease": gettext_lazy("新ホストの賃借"),
    "maintenance": gettext_lazy("新ホストの保守"),
    "licence": gettext_lazy("新ホストのライセンス（ホスト・コア単位）"),
    "power": gettext_lazy("新ホストの電力"),
    "existing_maintenance": gettext_lazy("既存ホストの保守"),
    "existing_licence": gettext_lazy("既存ホストのライセンス"),
    "existing_power": gettext_lazy("既存ホストの電力"),
    "migration": gettext_lazy("移行経費"),
}


def host_label(host: dict) -> str:
    """How a host of a result is named on pages, exports and karte entries: an existing host by its
    ledger name, a host to buy as 「新ホストN」 (N in purchase order for plans over fiscal years)."""
    host_id = str(host.get("host_id", ""))
    if host.get("existing"):
        return _("%(name)s（既存）") % {"name": host_id}
    if host_id[:1] == "N" and host_id[1:].isdigit():
        return _("新ホスト%(n)s") % {"n": host_id[1:]}
    return _("新ホスト%(n)d") % {"n": int(host.get("index", 0)) + 1}


def scenarios_for_list(*, user) -> QuerySet[Scenario]:
    """Scenarios with their run count and the host count of the latest successful run."""
    latest = ScenarioRun.objects.filter(scenario=OuterRef("pk"), status=RunStatus.SUCCEEDED).order_by(
        "-number"
    )
    return Scenario.objects.restrict(user, perms.VIEW).annotate(
        run_count=Count("runs"),
        latest_hosts=Subquery(latest.values("hosts_used")[:1], output_field=IntegerField()),
        latest_machines=Subquery(latest.values("machine_count")[:1], output_field=IntegerField()),
    )


def runs_for_scenario(*, scenario: Scenario) -> QuerySet[ScenarioRun]:
    return scenario.runs.select_related("created_by", "adopted_by").order_by("-number")


def scenario_preview(*, scenario: Scenario) -> dict:
    """What the scenario selects today: machine, system and segment counts (before running it)."""
    servers = list(
        inputs.scenario_servers(scenario).select_related("host").prefetch_related("systems").order_by("name")
    )
    segments: Counter = Counter()
    systems: set[int] = set()
    hosts: set[int] = set()
    kinds: Counter = Counter()
    for s in servers:
        sys_list = list(s.systems.all())
        systems.update(x.pk for x in sys_list)
        segments[inputs.segment_label(inputs.effective_segment(s, sys_list))] += 1
        kinds[str(ServerKind(s.kind).label)] += 1
        if s.host_id:
            hosts.add(s.host_id)
    return {
        "machines": len(servers),
        "systems": len(systems),
        "current_hosts": len(hosts),
        "segments": sorted(segments.items()),
        "kinds": sorted(kinds.items()),
        "sample": [s.name for s in servers[:10]],
        "cutoff": inputs.maintenance_cutoff(scenario),
        "platform": _platform_preview() if scenario.extend_platform else None,
    }


def _platform_preview() -> dict:
    """The shared platform a scenario extends: its hosts, VMs and their systems, as the ledger has them."""
    hosts = inputs.platform_hosts()
    vms = inputs.platform_residents(hosts)
    return {
        "hosts": hosts.count(),
        "vms": vms.count(),
        "systems": System.objects.filter(servers__in=vms).distinct().count(),
    }


def _bar_width(pct: float) -> int:
    return max(0, min(100, int(round(pct))))


def _level(pct: float) -> str:
    return "bg-danger" if pct > 95 else ("bg-warning" if pct > 80 else "bg-success")


def _figure_rows(figs: list[dict]) -> list[dict]:
    return [
        {
            "label": str(FIGURE_LABELS.get(f["key"], f["key"])),
            "formula": formula_text(f, UNIT_LABELS),
            "amount": f["amount"],
        }
        for f in figs
    ]


def run_report(*, run: ScenarioRun, user) -> dict:
    """Everything the result page and the export show, from the run's stored JSON (no re-solving)."""
    settings = run.parameters
    snapshot = run.snapshot
    result = run.result or {}
    machines = {m["id"]: m for m in snapshot.get("machines", [])}
    systems_meta = snapshot.get("systems", {})
    visible = set(
        System.objects.restrict(user, perms.VIEW)
        .filter(pk__in=[int(k) for k in systems_meta])
        .values_list("pk", flat=True)
    )
    # Runs are the IT policy division's plans. Without the prefecture-wide right a user sees the
    # machines of their own systems and the totals; other divisions' machines, systems and migration
    # years are left out (the ledger hides them too), on the page and in the export alike.
    full = perms.has_right(user, perms.PREFECTURE_PLANS)
    own_machines = {
        mid for mid, m in machines.items() if full or any(int(sid) in visible for sid in m["systems"])
    }

    def system_refs(ids: list[int]) -> list[dict]:
        out = []
        for sid in ids:
            if not full and sid not in visible:
                continue
            meta = systems_meta.get(str(sid), {})
            out.append(
                {
                    "id": sid,
                    "number": meta.get("number", ""),
                    "name": meta.get("name", ""),
                    "visible": sid in visible,
                }
            )
        return out

    hosts = []
    for h in result.get("hosts", []):
        members = [machines[mid] for mid in h["machines"] if mid in machines]
        segs = {m["segment"] for m in members}
        seg = (
            h.get("segment")
            if settings.get("segment_separation")
            else (segs.pop() if len(segs) == 1 else None)
        )
        util = []
        for dim in inputs.DIMENSIONS:
            pct = round(h["utilisation"].get(dim, 0.0) * 100, 1)
            load = round(sum(m["demand"][dim] for m in members), 1)
            util.append(
                {
                    "dim": dim,
                    "label": str(DIM_LABELS[dim]),
                    "pct": pct,
                    "width": _bar_width(pct),
                    "level": _level(pct),
                    "load": load,
                    "usable": round(snapshot.get("usable_capacity", {}).get(dim, 0.0), 1),
                }
            )
        hosts.append(
            {
                "number": h["index"] + 1,
                "label": host_label(h),
                "existing": bool(h.get("existing")),
                "host_id": h["host_id"],
                "segment": seg,
                "segment_label": inputs.segment_label(seg)
                if (seg or settings.get("segment_separation"))
                else _("混在可"),
                "segment_class": f"seg-{seg}" if seg else "",
                "utilisation": util,
                "machine_total": len(members),
                "hidden_machines": sum(1 for m in members if m["id"] not in own_machines),
                "machines": [
                    {
                        "id": m["id"],
                        "kind": str(ServerKind(m["kind"]).label)
                        if m["kind"] in ServerKind.values
                        else m["kind"],
                        "segment_label": inputs.segment_label(m["segment"]),
                        "systems": system_refs(m["systems"]),
                        "demand": m["demand"],
                        "current_host": m.get("current_host") or "",
                    }
                    for m in members
                    if m["id"] in own_machines
                ],
            }
        )
    rules = [
        {
            "rule": r["rule"],
            "label": str(RULE_LABELS.get(r["rule"], r["rule"])),
            "passed": r["passed"],
            "detail": r.get("detail", "") if not r["passed"] else "",
        }
        for r in result.get("rules", [])
    ]
    units = snapshot.get("units", [])
    if not full:
        own_hosts = {machines[mid].get("current_host") for mid in own_machines}
        units = [u for u in units if u["name"] in own_machines or u["name"] in own_hosts]
    report = {
        "run": run,
        "settings": settings,
        "host_model": settings.get("host_model", {}),
        "hosts": hosts,
        "rules": rules,
        "units": units,
        "unit_servers": sum(1 for u in units if u["kind"] == "server"),
        "unit_hosts": sum(1 for u in units if u["kind"] == "host"),
        "current_units": run.current_units,
        "ffd_hosts": result.get("ffd_hosts"),
        "gap_hosts": (run.hosts_used or 0) - (run.lower_bound or 0),
        "gap": result.get("gap"),
        "segments": sorted(Counter(inputs.segment_label(m["segment"]) for m in machines.values()).items()),
        "anti_affinity_groups": len(snapshot.get("anti_affinity", [])),
        "full_view": full,
        "hidden_machine_count": len(machines) - len(own_machines),
    }
    report.update(_savings_report(run, snapshot, visible))
    report.update(_waves_report(run, visible))
    report.update(plan_report(run=run, visible=visible, full=full))
    if not full:
        report["default_servers"] = [m for m in report.get("default_servers", []) if m in own_machines]
        report["unpriced_vms"] = [m for m in report.get("unpriced_vms", []) if m in own_machines]
        if report.get("wave_systems") is not None:
            report["wave_systems"] = [s for s in report["wave_systems"] if s["visible"]]
    return report


def run_document_scoped(*, run: ScenarioRun, user) -> dict:
    """The run's stored documents as the API shows them to this user: everything for holders of the
    prefecture-wide right; otherwise the totals (savings, per-year waves) and only their own systems'
    migration years, never the machine-level inputs and result."""
    if perms.has_right(user, perms.PREFECTURE_PLANS):
        return {
            "parameters": run.parameters,
            "inputs": run.inputs,
            "result": run.result,
            "savings": run.savings,
            "waves": run.waves,
            "plan": run.plan,
        }
    visible = set(System.objects.restrict(user, perms.VIEW).values_list("pk", flat=True))
    waves = run.waves
    if waves:
        waves = {
            **{k: v for k, v in waves.items() if k not in ("systems", "machines_without_system")},
            "systems": [s for s in waves.get("systems", []) if s.get("system_id") in visible],
        }
    savings = run.savings
    if savings:
        savings = {k: v for k, v in savings.items() if k != "rows"}
    return {
        "parameters": run.parameters,
        "inputs": None,
        "result": None,
        "savings": savings,
        "waves": waves,
        "plan": plan_years(run),
    }


def _savings_report(run: ScenarioRun, snapshot: dict, visible: set[int]) -> dict:
    savings = run.savings
    if not savings:
        return {"savings": None}
    lines = [
        {
            "key": line["key"],
            "label": str(LINE_LABELS.get(line["key"], line["key"])),
            "current": _figure_rows(line["current"]),
            "new": _figure_rows(line["new"]),
            "current_total": line["current_total"],
            "new_total": line["new_total"],
            "saving": line["saving"],
        }
        for line in savings["lines"]
    ]
    costs = snapshot.get("costs", {})
    rows, hidden = [], {"count": 0, "allocated_lease": 0, "allocated_maintenance": 0}
    for r in costs.get("rows", []):
        if r["system_id"] in visible:
            rows.append(r)
        else:
            hidden["count"] += 1
            hidden["allocated_lease"] += r["allocated_lease"]
            hidden["allocated_maintenance"] += r["allocated_maintenance"]
    return {
        "savings": savings,
        "savings_lines": lines,
        "energy": {
            "current": formula_text(savings["energy"]["current"], UNIT_LABELS),
            "new": formula_text(savings["energy"]["new"], UNIT_LABELS),
        },
        "co2": {
            "current": formula_text(savings["co2"]["current"], UNIT_LABELS),
            "new": formula_text(savings["co2"]["new"], UNIT_LABELS),
        },
        "cost_basis": costs.get("basis"),
        "cost_reference_fy": costs.get("reference_fy"),
        "cost_rows": rows,
        "cost_hidden": hidden if hidden["count"] else None,
        "default_servers": costs.get("default_servers", []),
        "unpriced_vms": costs.get("unpriced_vms", []),
    }


def _waves_report(run: ScenarioRun, visible: set[int]) -> dict:
    waves = run.waves
    if not waves:
        return {"waves": None}
    rows = [{**r, "label": fy_text(r["fy"])} for r in waves["rows"]]
    result_hosts = (run.result or {}).get("hosts", [])
    labels = {h["index"]: host_label(h) for h in result_hosts}
    systems = [
        {
            **s,
            "fy_label": fy_text(s["fy"]),
            "trigger_label": str(TRIGGER_LABELS.get(s["trigger"], s["trigger"])),
            "visible": s["system_id"] in visible,
            "host_numbers": [k + 1 for k in s["hosts"]],
            "host_labels": [labels.get(k, _("ホスト%(n)d") % {"n": k + 1}) for k in s["hosts"]],
        }
        for s in waves["systems"]
    ]
    chart = {
        "labels": [fy_text(r["fy"], style="wareki") for r in waves["rows"]],
        "names": [_("移行するシステム数"), _("追加するホスト数"), _("ホスト数（累計）")],
        "systems": [r["systems"] for r in waves["rows"]],
        "hosts_added": [r["hosts_added"] for r in waves["rows"]],
        "hosts_total": [r["hosts_total"] for r in waves["rows"]],
    }
    return {
        "waves": waves,
        "wave_rows": rows,
        "wave_systems": systems,
        "wave_chart_json": json.dumps(chart, ensure_ascii=False),
    }


# --- Multi-year plan ----------------------------------------------------------------------------------


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
            "segment_label": inputs.segment_label(h["segment"]) if h.get("segment") else "",
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


def adoption_preview(*, run: ScenarioRun, user) -> dict:
    """What adopting writes: the systems whose karte gets a 提案 entry (names the user may see, a count
    of the others), with their migration year — shown on the confirmation page before adopting."""
    systems = (run.waves or {}).get("systems", [])
    visible = set(
        System.objects.restrict(user, perms.VIEW)
        .filter(pk__in=[s["system_id"] for s in systems])
        .values_list("pk", flat=True)
    )
    existing = set(
        System.objects.filter(pk__in=[s["system_id"] for s in systems]).values_list("pk", flat=True)
    )
    shown = [
        {
            **s,
            "fy_label": fy_text(s["fy"]),
            "trigger_label": str(TRIGGER_LABELS.get(s["trigger"], s["trigger"])),
        }
        for s in systems
        if s["system_id"] in visible and s["system_id"] in existing
    ]
    return {
        "systems": shown,
        "hidden": sum(1 for s in systems if s["system_id"] in existing and s["system_id"] not in visible),
        "total": sum(1 for s in systems if s["system_id"] in existing),
    }


STATE_LABELS = {
    realised.DONE: gettext_lazy("移行済み"),
    realised.PARTIAL: gettext_lazy("一部移行"),
    realised.PENDING: gettext_lazy("未移行"),
}
REASON_LABELS = {
    "removed": gettext_lazy("台帳から削除"),
    "unlinked": gettext_lazy("システムとの関連を解除"),
    "virtualised": gettext_lazy("仮想マシンとしてホスト上に移行"),
    "host_changed": gettext_lazy("稼働ホストを変更"),
}


def progress_report(*, run: ScenarioRun, user) -> dict:
    """The adopted plan's progress against the ledger (done / pending per machine, system and year)
    and the realised savings beside the forecast; other divisions' systems only in the totals."""
    if run.adopted_at is None:
        return {"progress": None}
    full = perms.has_right(user, perms.PREFECTURE_PLANS)
    visible = None if full else set(System.objects.restrict(user, perms.VIEW).values_list("pk", flat=True))
    data = realised.run_progress(run, visible=visible)
    if data is None:
        return {"progress": None}
    for y in data["years"]:
        y["label"] = fy_text(y["fy"])
    for r in data["systems"]:
        r["state_label"] = str(STATE_LABELS[r["state"]])
        r["planned_label"] = fy_text(r["planned_fy"])
        r["moved_label"] = fy_text(r["moved_fy"]) if r["moved_fy"] else ""
        r["visible"] = full or (visible is not None and r["system_id"] in visible)
    for st in data["machines"]:
        st["state_label"] = str(STATE_LABELS[st["state"]])
        st["reason_label"] = str(REASON_LABELS.get(st["reason"], ""))
        st["planned_label"] = fy_text(st["planned_fy"])
    return {"progress": data}
