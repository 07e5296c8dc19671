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


def plan_waves(*, settings: dict, snapshot: dict, result: dict) -> dict:
    """The wave plan: per system its fiscal year and reason, per fiscal year what moves and the host
    capacity to add (see module doc)."""
    start = int(settings["fiscal_year"])
    hm = settings["host_model"]
    machines = {m["id"]: m for m in snapshot["machines"]}
    systems_meta = snapshot.get("systems", {})
    own = {mid: machine_trigger(m, start) for mid, m in machines.items()}

    # A system moves with its earliest machine; its machines move with it.
    sys_trigger: dict[str, dict] = {}
    sys_machines: dict[str, list[str]] = defaultdict(list)
    for mid, m in machines.items():
        for sid in m["systems"]:
            key = str(sid)
            sys_machines[key].append(mid)
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
