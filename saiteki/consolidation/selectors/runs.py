"""Lists, a scenario's selection preview, a run's result report (hosts, rules, savings, waves, and
the multi-year section from :mod:`.plans`), the API's scoped documents, the adoption preview and the
adopted plan's progress.
"""

from __future__ import annotations

import json
from collections import Counter

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.consolidation import inputs, realised, selection
from saiteki.consolidation.choices import RunStatus
from saiteki.consolidation.models import Scenario, ScenarioRun
from saiteki.consolidation.savings import FIGURE_LABELS, LINE_LABELS, UNIT_LABELS, formula_text
from saiteki.consolidation.selectors.labels import DIM_LABELS, RULE_LABELS, host_label
from saiteki.consolidation.selectors.plans import plan_report, plan_years
from saiteki.consolidation.waves import TRIGGER_LABELS
from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.ledger.choices import ServerKind
from saiteki.ledger.models import System


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
        selection.scenario_servers(scenario)
        .select_related("host")
        .prefetch_related("systems")
        .order_by("name")
    )
    segments: Counter = Counter()
    systems: set[int] = set()
    hosts: set[int] = set()
    kinds: Counter = Counter()
    for s in servers:
        sys_list = list(s.systems.all())
        systems.update(x.pk for x in sys_list)
        segments[selection.segment_label(selection.effective_segment(s, sys_list))] += 1
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
        "cutoff": selection.maintenance_cutoff(scenario),
        "platform": _platform_preview() if scenario.extend_platform else None,
    }


def _platform_preview() -> dict:
    """The shared platform a scenario extends: its hosts, VMs and their systems, as the ledger has them."""
    hosts = selection.platform_hosts()
    vms = selection.platform_residents(hosts)
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
                "segment_label": selection.segment_label(seg)
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
                        "segment_label": selection.segment_label(m["segment"]),
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
        "segments": sorted(Counter(selection.segment_label(m["segment"]) for m in machines.values()).items()),
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
