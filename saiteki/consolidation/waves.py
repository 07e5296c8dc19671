"""Migration waves by fiscal year (SPEC C8): each system moves in the fiscal year its current hardware
maintenance ends or its OS reaches end of support, whichever comes first — never before the plan's
first year (overdue systems move in the first wave). A system's machines move together; a new host
is needed from the first wave any of its machines moves in, which gives the capacity to add per year.

Pure Python over the run's snapshot and result, so the plan is reproducible and unit-tested without
a database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from saiteki.core.fiscal import fiscal_year_of

TRIGGER_LABELS = {
    "maintenance": _("ハードウェア保守期限"),
    "os_eol": _("OSサポート終了"),
    "none": _("期限情報なし（初年度に移行）"),
    "host_end": _("既存ホストの保守期限"),
    "repack": _("基盤内の再配置"),
}


def machine_trigger(machine: dict, start_fy: int) -> dict:
    """When one machine has to move, and why: the earlier of maintenance end and OS end of support."""
    candidates: list[tuple[int, str, str, str]] = []  # (fy, trigger, date, detail)
    if machine.get("maintenance_end"):
        d = datetime.date.fromisoformat(machine["maintenance_end"])
        candidates.append(
            (fiscal_year_of(d), "maintenance", d.isoformat(), machine.get("current_host") or "")
        )
    for os_ in machine.get("os", []):
        if os_.get("eol"):
            d = datetime.date.fromisoformat(os_["eol"])
            candidates.append((fiscal_year_of(d), "os_eol", d.isoformat(), os_.get("label", "")))
    if not candidates:
        return {"fy": start_fy, "trigger": "none", "date": None, "detail": "", "overdue": False}
    fy, trigger, date, detail = min(candidates)
    return {
        "fy": max(fy, start_fy),
        "trigger": trigger,
        "date": date,
        "detail": detail,
        "overdue": fy < start_fy,
    }


def move_years(machines: dict[str, dict], start: int) -> tuple[dict[str, int], dict[str, dict], dict]:
    """When each machine moves: a system moves with its earliest machine and its machines move with it.

    Returns (machine → fiscal year, system id → its trigger, machine → its own trigger). Shared by the
    one-shot waves and the multi-year plan, so both move the same machine in the same year.
    """
    own = {mid: machine_trigger(m, start) for mid, m in machines.items()}
    sys_trigger: dict[str, dict] = {}
    for mid, m in machines.items():
        for sid in m["systems"]:
            key = str(sid)
            t = own[mid]
            if key not in sys_trigger or (t["fy"], t["date"] or "") < (
                sys_trigger[key]["fy"],
                sys_trigger[key]["date"] or "",
            ):
                sys_trigger[key] = {**t, "machine": mid}
    move_fy: dict[str, int] = {}
    for mid, m in machines.items():
        fys = [sys_trigger[str(s)]["fy"] for s in m["systems"]]
        move_fy[mid] = min(fys) if fys else own[mid]["fy"]
    return move_fy, sys_trigger, own


def plan_waves(*, settings: dict, snapshot: dict, result: dict) -> dict:
    """The wave plan: per system its fiscal year and reason, per fiscal year what moves and the host
    capacity to add (see module doc)."""
    start = int(settings["fiscal_year"])
    hm = settings["host_model"]
    machines = {m["id"]: m for m in snapshot["machines"]}
    systems_meta = snapshot.get("systems", {})
    move_fy, sys_trigger, own = move_years(machines, start)
    sys_machines: dict[str, list[str]] = defaultdict(list)
    for mid, m in machines.items():
        for sid in m["systems"]:
            sys_machines[str(sid)].append(mid)

    host_of = {mid: k for mid, k in result["placement"].items()}
    host_fy: dict[int, int] = {}
    for mid, k in host_of.items():
        if mid in move_fy:
            host_fy[k] = min(host_fy.get(k, move_fy[mid]), move_fy[mid])

    # Hosts without machines (an N+1 spare) are bought with the first wave that adds hosts.
    first_fy = min(host_fy.values(), default=start)
    for k in range(len(result.get("hosts", []))):
        host_fy.setdefault(k, first_fy)

    last = max([start, *move_fy.values()])
    rows = []
    cumulative = 0
    for fy in range(start, last + 1):
        moving = [mid for mid, f in move_fy.items() if f == fy]
        sys_ids = sorted({str(s) for mid in moving for s in machines[mid]["systems"]})
        added = sorted(k for k, f in host_fy.items() if f == fy)
        cumulative += len(added)
        rows.append(
            {
                "fy": fy,
                "systems": len(sys_ids),
                "machines": len(moving),
                "vcpu": round(sum(machines[m]["demand"]["vcpu"] for m in moving), 1),
                "memory_gib": round(sum(machines[m]["demand"]["memory_gib"] for m in moving), 1),
                "storage_gib": round(sum(machines[m]["demand"]["storage_gib"] for m in moving), 1),
                "hosts_added": len(added),
                "host_indexes": added,
                "cores_added": len(added) * hm["cpu_cores"],
                "memory_added": len(added) * hm["memory_gib"],
                "storage_added": len(added) * hm["storage_gib"],
                "hosts_total": cumulative,
            }
        )
    systems = []
    for sid, t in sys_trigger.items():
        meta = systems_meta.get(sid, {})
        systems.append(
            {
                "system_id": int(sid),
                "number": meta.get("number", ""),
                "name": meta.get("name", ""),
                "fy": t["fy"],
                "trigger": t["trigger"],
                "date": t["date"],
                "detail": t["detail"],
                "overdue": t["overdue"],
                "machines": sorted(sys_machines[sid]),
                "hosts": sorted({host_of[m] for m in sys_machines[sid] if m in host_of}),
            }
        )
    systems.sort(key=lambda s: (s["fy"], s["number"]))
    unowned = [{"machine": mid, **own[mid]} for mid, m in sorted(machines.items()) if not m["systems"]]
    return {
        "start": start,
        "rows": rows,
        "systems": systems,
        "machines_without_system": unowned,
        "lifecycle_available": bool(snapshot.get("lifecycle_available")),
    }


def waves_from_plan(*, settings: dict, snapshot: dict, plan: dict, result: dict) -> dict:
    """The same wave document as :func:`plan_waves`, read from a multi-year plan: the plan already
    decided when each machine moves and which host is bought when, so nothing is re-derived.

    ``result`` is the plan's final year (its host indexes are what the pages call ホスト1, 2, …).
    Machines already on the platform that move because their host leaves service are listed with the
    reason 「既存ホストの保守期限」.
    """
    start = int(plan["start"])
    hm = settings["host_model"]
    machines = {m["id"]: m for m in snapshot["machines"]}
    systems_meta = snapshot.get("systems", {})
    candidates = {mid: m for mid, m in machines.items() if not m.get("resident_host")}
    _move_fy, sys_trigger, _own = move_years(candidates, start)
    index_of = {h["host_id"]: h["index"] for h in result.get("hosts", [])}
    first_move: dict[str, int] = {}
    final_host: dict[str, str] = {}
    for mid, steps in plan["itinerary"].items():
        moves = [(int(fy), key) for fy, key in steps if int(fy) >= start]
        if moves:
            first_move[mid] = moves[0][0]
        if steps:
            final_host[mid] = steps[-1][1]
    rows = []
    for row in plan["rows"]:
        fy = row["fy"]
        moving = [mid for mid in row["moved"] if mid in machines]
        sys_ids = sorted({str(s) for mid in moving for s in machines[mid]["systems"]})
        added = len(row["bought"])
        rows.append(
            {
                "fy": fy,
                "systems": len(sys_ids),
                "machines": len(moving),
                "vcpu": round(sum(machines[m]["demand"]["vcpu"] for m in moving), 1),
                "memory_gib": round(sum(machines[m]["demand"]["memory_gib"] for m in moving), 1),
                "storage_gib": round(sum(machines[m]["demand"]["storage_gib"] for m in moving), 1),
                "hosts_added": added,
                "host_indexes": sorted(index_of[k] for k in row["bought"] if k in index_of),
                "cores_added": added * hm["cpu_cores"],
                "memory_added": added * hm["memory_gib"],
                "storage_added": added * hm["storage_gib"],
                "hosts_total": row["hosts_in_service"],
            }
        )
    sys_machines: dict[str, list[str]] = defaultdict(list)
    for mid, m in machines.items():
        if mid in first_move:
            for sid in m["systems"]:
                sys_machines[str(sid)].append(mid)
    systems = []
    for sid, mids in sys_machines.items():
        meta = systems_meta.get(sid, {})
        fy = min(first_move[m] for m in mids)
        resident = all(machines[m].get("resident_host") for m in mids)
        if resident:
            host = machines[mids[0]]["resident_host"]
            retiring = any(h["key"] == host and h.get("last_fy") is not None for h in plan["hosts"])
            t = {
                "fy": fy,
                "trigger": "host_end" if retiring and fy > start else "repack",
                "date": None,
                "detail": host,
                "overdue": False,
            }
        else:
            t = sys_trigger.get(sid) or {
                "fy": fy,
                "trigger": "none",
                "date": None,
                "detail": "",
                "overdue": False,
            }
        systems.append(
            {
                "system_id": int(sid),
                "number": meta.get("number", ""),
                "name": meta.get("name", ""),
                "fy": fy,
                "trigger": t["trigger"],
                "date": t["date"],
                "detail": t["detail"],
                "overdue": t["overdue"],
                "machines": sorted(mids),
                "hosts": sorted({index_of[final_host[m]] for m in mids if final_host.get(m) in index_of}),
            }
        )
    systems.sort(key=lambda s: (s["fy"], s["number"]))
    unowned = [
        {"machine": mid, **machine_trigger(m, start)}
        for mid, m in sorted(candidates.items())
        if not m["systems"] and mid in first_move
    ]
    return {
        "start": start,
        "rows": rows,
        "systems": systems,
        "machines_without_system": unowned,
        "lifecycle_available": bool(snapshot.get("lifecycle_available")),
    }
