"""Realised consolidation (SPEC C3 "savings attributable to consolidation", C8): which moves of an
adopted plan have happened in the ledger, and what they saved according to the ledger's own costs.

A plan is a forecast; the ledger is what happened. When a system moves onto the shared platform its
owner records it: the hosting form becomes 共通基盤, and its old physical servers are removed, unlinked
or become VMs on a platform host. This module compares each machine of the plan with the ledger today
(done / pending, per machine, system and planned fiscal year) and computes the realised saving of each
moved system from its recorded hardware costs (lease and maintenance, the categories the forecast
used) in the fiscal year before the move and the year after it — 決算額 where recorded, else 予算額.

Reads only the ledger and the stored run; nothing here writes. The KPI source and the annual report's
table (``kpi_sources.py``) use the same functions, so the plan page, the KPI and the report agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.utils.translation import gettext as _

from saiteki.consolidation.choices import RunStatus
from saiteki.consolidation.inputs import HW_CATEGORIES
from saiteki.consolidation.models import ScenarioRun
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import ObjectChange
from saiteki.core.money import format_yen
from saiteki.ledger.choices import CostStage, HostingForm, ServerKind
from saiteki.ledger.models import Cost, Server, System

DONE, PARTIAL, PENDING = "done", "partial", "pending"


def _moving_machines(run: ScenarioRun) -> dict[str, dict]:
    """Machines the plan moves, with the fiscal year of their (first) move and where they go."""
    machines = {m["id"]: m for m in (run.snapshot or {}).get("machines", [])}
    out: dict[str, dict] = {}
    plan = run.plan
    if plan:
        start = int(plan["start"])
        for mid, steps in plan["itinerary"].items():
            moves = [(int(fy), key) for fy, key in steps if int(fy) >= start]
            if moves and mid in machines:
                out[mid] = {**machines[mid], "planned_fy": moves[0][0], "target": moves[-1][1]}
        return out
    for system in (run.waves or {}).get("systems", []):
        for mid in system["machines"]:
            if mid in machines:
                out.setdefault(mid, {**machines[mid], "planned_fy": system["fy"], "target": ""})
    return out


def machine_states(run: ScenarioRun) -> dict[str, dict]:
    """Each moving machine's state in the ledger today: ``done`` with the reason, or pending.

    Done when the server is gone from the ledger, no longer serves any of its planned systems, or — a
    machine leaving its own hardware — is now a VM on a host; for a VM already on the platform, when
    it runs on another host than before.
    """
    moving = _moving_machines(run)
    ids = [m["server_id"] for m in moving.values() if m.get("server_id")]
    now = {s.pk: s for s in Server.objects.filter(pk__in=ids).prefetch_related("systems")}
    out: dict[str, dict] = {}
    for mid, m in moving.items():
        server = now.get(m.get("server_id"))
        planned_systems = set(m["systems"])
        if server is None:
            state, why = DONE, "removed"
        elif m.get("resident_host"):
            moved = server.host_id != m.get("current_host_id")
            state, why = (DONE, "host_changed") if moved else (PENDING, "")
        elif planned_systems and not planned_systems & {s.pk for s in server.systems.all()}:
            state, why = DONE, "unlinked"
        elif (
            server.kind == ServerKind.VIRTUAL
            and server.host_id
            and server.host_id != m.get("current_host_id")
        ):
            state, why = DONE, "virtualised"
        else:
            state, why = PENDING, ""
        out[mid] = {
            "machine": mid,
            "state": state,
            "reason": why,
            "planned_fy": m["planned_fy"],
            "systems": m["systems"],
        }
    return out


def _moved_to_platform_fy(system_ids: Iterable[int]) -> dict[int, int]:
    """The fiscal year each system's hosting form last became 共通基盤, from the change log."""
    ct = ContentType.objects.get_for_model(System)
    out: dict[int, int] = {}
    rows = (
        ObjectChange.objects.filter(
            content_type=ct,
            object_id__in=list(system_ids),
            postchange_data__hosting_form=HostingForm.SHARED_PLATFORM,
        )
        .exclude(prechange_data__hosting_form=HostingForm.SHARED_PLATFORM)
        .order_by("time")
        .values_list("object_id", "time")
    )
    for object_id, when in rows:
        out[int(object_id)] = fiscal_year_of(when.date())
    return out


def hardware_costs(system_ids: Iterable[int], years: Iterable[int]) -> dict[tuple[int, int], tuple[int, str]]:
    """(system, fiscal year) → (hardware lease + maintenance, stage): 決算額 where the year has any,
    else 予算額. Missing keys: nothing recorded."""
    sums: dict[tuple[int, int, str], int] = {}
    for row in (
        Cost.objects.filter(
            system_id__in=list(system_ids),
            fiscal_year__in=list(years),
            category__in=HW_CATEGORIES,
            stage__in=(CostStage.ACTUAL, CostStage.BUDGET),
        )
        .values("system_id", "fiscal_year", "stage")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        sums[(row["system_id"], row["fiscal_year"], row["stage"])] = row["total"] or 0
    out: dict[tuple[int, int], tuple[int, str]] = {}
    for (sid, fy, stage), total in sums.items():
        actual = sums.get((sid, fy, CostStage.ACTUAL))
        out[(sid, fy)] = (actual, CostStage.ACTUAL) if actual is not None else (total, stage)
    return out


def _forecast_per_system(run: ScenarioRun) -> dict[int, int]:
    """The yearly current hardware cost the plan expects each system to shed (its forecast saving)."""
    snapshot = run.snapshot or {}
    costs = snapshot.get("costs", {})
    settings = run.parameters or {}
    out: dict[int, int] = {}
    for r in costs.get("rows", []):
        if r.get("in_ledger"):
            out[r["system_id"]] = r["allocated_lease"] + r["allocated_maintenance"]
    per_server = settings.get("current_hw_per_server_year", 0) + settings.get(
        "current_maintenance_per_server_year", 0
    )
    priced = set(out)
    for m in snapshot.get("machines", []):
        if m.get("resident_host") or m.get("kind") != ServerKind.PHYSICAL:
            continue
        for sid in m["systems"]:
            if sid not in priced:
                out[sid] = out.get(sid, 0) + per_server // max(len(m["systems"]), 1)
    return out


def system_progress(run: ScenarioRun) -> list[dict]:
    """Per system of the plan: planned year, done / partial / pending, and the realised saving."""
    states = machine_states(run)
    by_system: dict[int, list[dict]] = defaultdict(list)
    for st in states.values():
        for sid in st["systems"]:
            by_system[int(sid)].append(st)
    if not by_system:
        return []
    systems = {s.pk: s for s in System.objects.filter(pk__in=by_system)}
    moved_fy = _moved_to_platform_fy(by_system)
    meta = (run.snapshot or {}).get("systems", {})
    forecast = _forecast_per_system(run)
    snapshot_machines = {m["id"]: m for m in (run.snapshot or {}).get("machines", [])}
    rows = []
    for sid, sts in by_system.items():
        system = systems.get(sid)
        resident = all(snapshot_machines.get(st["machine"], {}).get("resident_host") for st in sts)
        done_machines = sum(1 for st in sts if st["state"] == DONE)
        on_platform = system is not None and system.hosting_form == HostingForm.SHARED_PLATFORM
        if done_machines == len(sts) and (resident or on_platform or system is None):
            state = DONE
        elif done_machines or (on_platform and not resident):
            state = PARTIAL
        else:
            state = PENDING
        planned_fy = min(st["planned_fy"] for st in sts)
        rows.append(
            {
                "system_id": sid,
                "number": meta.get(str(sid), {}).get("number", system.number if system else ""),
                "name": meta.get(str(sid), {}).get("name", system.name if system else ""),
                "planned_fy": planned_fy,
                "state": state,
                "resident": resident,
                "machines": sorted(st["machine"] for st in sts),
                "machines_done": done_machines,
                "moved_fy": moved_fy.get(sid, planned_fy) if state == DONE else None,
                "forecast": 0 if resident else forecast.get(sid, 0),
            }
        )
    _attach_realised(rows)
    rows.sort(key=lambda r: (r["planned_fy"], r["number"]))
    return rows


def _attach_realised(rows: list[dict]) -> None:
    """Realised saving per done system: hardware cost the year before the move − the year after."""
    wanted = [(r["system_id"], r["moved_fy"]) for r in rows if r["state"] == DONE and not r["resident"]]
    years = {fy + d for _sid, fy in wanted for d in (-1, 1)}
    costs = hardware_costs([sid for sid, _fy in wanted], years)
    for r in rows:
        r.update({"before": None, "after": None, "before_stage": "", "after_stage": "", "realised": None})
        if r["state"] != DONE or r["resident"]:
            continue
        before = costs.get((r["system_id"], r["moved_fy"] - 1))
        after = costs.get((r["system_id"], r["moved_fy"] + 1))
        if before:
            r["before"], r["before_stage"] = before
        if after:
            r["after"], r["after_stage"] = after
        if before and after:
            r["realised"] = before[0] - after[0]


def run_progress(run: ScenarioRun, *, visible: set[int] | None = None) -> dict | None:
    """The adopted plan's progress: per machine, per system, per planned year, with the forecast and
    realised savings side by side. ``visible`` limits the per-system and per-machine lists (the totals
    count everything, as the plan's other totals do)."""
    if run.status != RunStatus.SUCCEEDED or run.adopted_at is None:
        return None
    systems = system_progress(run)
    machines = machine_states(run)
    years: dict[int, dict] = {}
    for r in systems:
        y = years.setdefault(
            r["planned_fy"],
            {
                "fy": r["planned_fy"],
                "systems": 0,
                "done": 0,
                "partial": 0,
                "pending": 0,
                "forecast": 0,
                "realised": 0,
            },
        )
        y["systems"] += 1
        y[r["state"]] += 1
        y["forecast"] += r["forecast"]
        y["realised"] += r["realised"] or 0
    machine_years: dict[int, dict] = {}
    for st in machines.values():
        y = machine_years.setdefault(st["planned_fy"], {"machines": 0, "done": 0})
        y["machines"] += 1
        y["done"] += st["state"] == DONE
    for fy, y in years.items():
        y.update(
            {
                "machines": machine_years.get(fy, {}).get("machines", 0),
                "machines_done": machine_years.get(fy, {}).get("done", 0),
            }
        )
    done = [r for r in systems if r["state"] == DONE]
    shown_systems = systems if visible is None else [r for r in systems if r["system_id"] in visible]
    shown_machines = [
        st for st in machines.values() if visible is None or any(int(s) in visible for s in st["systems"])
    ]
    return {
        "years": [years[k] for k in sorted(years)],
        "systems": shown_systems,
        "machines": sorted(shown_machines, key=lambda st: (st["planned_fy"], st["machine"])),
        "hidden_systems": len(systems) - len(shown_systems),
        "totals": {
            "systems": len(systems),
            "done": len(done),
            "pending": sum(1 for r in systems if r["state"] != DONE),
            "machines": len(machines),
            "machines_done": sum(1 for st in machines.values() if st["state"] == DONE),
            "forecast_done": sum(r["forecast"] for r in done),
            "forecast_all": sum(r["forecast"] for r in systems),
            "realised": sum(r["realised"] or 0 for r in done),
            "realised_known": sum(1 for r in done if r["realised"] is not None),
        },
    }


def adopted_runs() -> list[ScenarioRun]:
    return list(
        ScenarioRun.objects.filter(adopted_at__isnull=False, status=RunStatus.SUCCEEDED)
        .select_related("scenario")
        .order_by("adopted_at")
    )


def realised_in_year(fiscal_year: int) -> dict:
    """The KPI: yearly hardware cost shed in ``fiscal_year`` by systems that adopted plans moved
    before it — Σ (cost the year before the move − cost in this year), each system once."""
    seen: dict[int, dict] = {}
    for run in adopted_runs():
        for r in system_progress(run):
            if r["state"] == DONE and not r["resident"] and r["moved_fy"] < fiscal_year:
                seen.setdefault(r["system_id"], {**r, "run": run})
    if not seen:
        return {"value": None, "records": [], "figures": {}}
    years = {r["moved_fy"] - 1 for r in seen.values()} | {fiscal_year}
    costs = hardware_costs(seen, years)
    records = []
    total = 0
    counted = 0
    for sid, r in sorted(seen.items(), key=lambda kv: kv[1]["number"]):
        before = costs.get((sid, r["moved_fy"] - 1))
        now = costs.get((sid, fiscal_year))
        if not before or not now:
            continue
        saving = before[0] - now[0]
        total += saving
        counted += 1
        records.append(
            {
                "model": "ledger.system",
                "id": sid,
                "label": f"{r['number']} {r['name']}",
                "detail": _("%(name)s 第%(n)d回: %(before)s → %(after)s")
                % {
                    "name": r["run"].scenario.name,
                    "n": r["run"].number,
                    "before": format_yen(before[0]),
                    "after": format_yen(now[0]),
                },
                "before": before[0],
                "after": now[0],
                "moved_fy": r["moved_fy"],
                "saving": saving,
            }
        )
    return {
        "value": total if counted else None,
        "records": records,
        "figures": {"systems": counted, "total": total, "fiscal_year": fiscal_year},
    }
