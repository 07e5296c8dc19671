"""From the ledger to the optimizer: how big each selected server is, which rules apply, and a snapshot
of every ledger fact the result page, the savings and the waves rely on. Which servers a scenario
selects is :mod:`saiteki.consolidation.selection`'s question.

The optimizer library knows nothing of Django; this module is the one translation between the two.
The snapshot is stored on the run, so a plan can be explained later exactly as it was computed even
after servers were edited, moved or retired in the ledger.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from saiteki.consolidation import lifecycle, planning
from saiteki.consolidation import optimizer as opt
from saiteki.consolidation.choices import CostBasis, DemandBasis, PlatformMachines
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.consolidation.selection import (
    CANDIDATE_KINDS,
    effective_segment,
    maintenance_cutoff,
    platform_hosts,
    platform_residents,
    scenario_servers,
)
from saiteki.core.errors import ValidationFailed
from saiteki.core.fiscal import fiscal_year_label, fiscal_year_of
from saiteki.ledger.choices import CostCategory, CostStage, ServerKind
from saiteki.ledger.models import Component, Cost, Server, System

DIMENSIONS = ["vcpu", "memory_gib", "storage_gib"]
# Ledger cost categories that are the hardware of the current servers (SPEC C3 national split).
HW_CATEGORIES = (CostCategory.HW_LEASE, CostCategory.HW_MAINTENANCE)


def optimizer_version() -> str:
    """A version for the optimizer library, which has no ``__version__``: a digest of its source.

    Two runs with the same digest, inputs, seed and time limit ran the same code, which is what
    "solver version" is for (reproducing a result).
    """
    folder = Path(opt.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"src-{digest.hexdigest()[:12]}"


def existing_last_fy(server: Server, extension_years: int) -> int | None:
    """Last fiscal year an existing host is in service: the year before the one its maintenance ends
    in (its VMs move during that year, as a physical server's do), plus any maintenance extension."""
    if server.maintenance_end is None:
        return None
    return fiscal_year_of(server.maintenance_end) - 1 + extension_years


def _demand(server: Server, basis: str) -> tuple[dict[str, float], dict[str, str]]:
    vcpu, mem, sto = float(server.vcpu), float(server.memory_gib), float(server.storage_gib)
    source = {"vcpu": "allocated", "memory_gib": "allocated", "storage_gib": "allocated"}
    if basis == DemandBasis.PEAK:
        if server.cpu_peak_pct is not None:
            vcpu = vcpu * float(server.cpu_peak_pct) / 100.0
            source["vcpu"] = "peak"
        if server.mem_peak_pct is not None:
            mem = mem * float(server.mem_peak_pct) / 100.0
            source["memory_gib"] = "peak"
    return {"vcpu": round(vcpu, 3), "memory_gib": round(mem, 3), "storage_gib": round(sto, 3)}, source


def usable_capacity(scenario: Scenario, host_model: HostModel) -> dict[str, float]:
    """Capacity a host offers after over-commit and headroom (the same formula as the optimizer)."""
    keep = 1.0 - scenario.headroom_pct / 100.0
    return {
        "vcpu": host_model.cpu_cores * float(scenario.vcpu_overcommit) * keep,
        "memory_gib": host_model.memory_gib * keep,
        "storage_gib": host_model.storage_gib * keep,
    }


def host_model_dict(hm: HostModel) -> dict:
    return {
        "id": hm.pk,
        "name": hm.name,
        "product": hm.product,
        "cpu_cores": hm.cpu_cores,
        "memory_gib": hm.memory_gib,
        "storage_gib": hm.storage_gib,
        "purchase_price": hm.purchase_price,
        "lease_per_year": hm.lease_per_year,
        "maintenance_per_year": hm.maintenance_per_year,
        "licence_per_host_per_year": hm.licence_per_host_per_year,
        "licence_per_core_per_year": hm.licence_per_core_per_year,
        "power_w": hm.power_w,
    }


def scenario_settings(scenario: Scenario) -> dict:
    """The scenario's fields as plain JSON, frozen on the run (later edits do not change old runs)."""
    return {
        "scenario_id": scenario.pk,
        "name": scenario.name,
        "fiscal_year": scenario.fiscal_year,
        "selection": scenario.selection,
        "maintenance_within_years": scenario.maintenance_within_years,
        "maintenance_cutoff": maintenance_cutoff(scenario).isoformat(),
        "filter_server_kind": scenario.filter_server_kind,
        "filter_hosting_form": scenario.filter_hosting_form,
        "filter_segment": scenario.filter_segment,
        "filter_bureau": str(scenario.filter_bureau) if scenario.filter_bureau_id else "",
        "filter_division": str(scenario.filter_division) if scenario.filter_division_id else "",
        "demand_basis": scenario.demand_basis,
        "segment_separation": scenario.segment_separation,
        "anti_affinity": scenario.anti_affinity,
        "headroom_pct": scenario.headroom_pct,
        "vcpu_overcommit": float(scenario.vcpu_overcommit),
        "n_plus_one": scenario.n_plus_one,
        "time_limit_s": scenario.time_limit_s,
        "seed": scenario.seed,
        "horizon_years": scenario.horizon_years,
        "planning": scenario.planning,
        "extend_platform": scenario.extend_platform,
        "platform_machines": scenario.platform_machines,
        "existing_extension_years": scenario.existing_extension_years,
        "yen_per_kwh": float(scenario.yen_per_kwh),
        "co2_t_per_kwh": float(scenario.co2_t_per_kwh),
        "current_cost_basis": scenario.current_cost_basis,
        "current_hw_per_server_year": scenario.current_hw_per_server_year,
        "current_maintenance_per_server_year": scenario.current_maintenance_per_server_year,
        "current_licence_per_server_year": scenario.current_licence_per_server_year,
        "current_power_w_default": scenario.current_power_w_default,
        "migration_cost_per_machine": scenario.migration_cost_per_machine,
        "host_model": host_model_dict(scenario.host_model),
    }


@dataclass
class BuiltInputs:
    """What a run needs: the optimizer's scenario, and the ledger snapshot the pages explain it with."""

    settings: dict
    scenario: opt.Scenario
    snapshot: dict

    @property
    def machine_count(self) -> int:
        return len(self.scenario.machines)

    @property
    def planner(self) -> dict | None:
        """The multi-year part of the inputs (None for a one-shot scenario)."""
        return self.snapshot.get("planner")


def _os_of(server: Server, systems: list[System]) -> list[dict]:
    """Operating systems on a machine: components installed on it, else its systems' unplaced OS
    components (the ledger often records the OS per system rather than per server)."""
    comps = list(server.components.all())
    if not any(lifecycle.is_operating_system(c.product, c.product_version) for c in comps):
        comps = [c for s in systems for c in s.components.all() if c.server_id is None]
    out = []
    for c in comps:
        eol, label = lifecycle.component_end_of_support(c)
        if label:
            out.append({"label": label, "eol": eol.isoformat() if eol else None})
    return out


def _current_units(machines: list[dict], servers: dict[str, Server], default_w: int) -> list[dict]:
    """The physical boxes running the selection today: each physical server, and each current host
    of the selected VMs weighted by the share of its guests that are selected."""
    units: list[dict] = []
    vm_hosts: dict[int, list[str]] = defaultdict(list)
    for m in machines:
        server = servers[m["id"]]
        if server.kind == ServerKind.PHYSICAL:
            units.append(
                {
                    "name": server.name,
                    "kind": "server",
                    "selected": 1,
                    "total": 1,
                    "share": 1.0,
                    "power_w": server.power_w if server.power_w else default_w,
                    "power_default": not server.power_w,
                }
            )
        elif server.host_id:
            vm_hosts[server.host_id].append(server.name)
    if vm_hosts:
        hosts = Server.objects.filter(pk__in=vm_hosts).annotate(guest_count=Count("guests")).order_by("name")
        for host in hosts:
            selected = len(vm_hosts[host.pk])
            share = selected / host.guest_count if host.guest_count else 1.0
            units.append(
                {
                    "name": host.name,
                    "kind": "host",
                    "selected": selected,
                    "total": host.guest_count,
                    "share": round(share, 4),
                    "power_w": host.power_w if host.power_w else default_w,
                    "power_default": not host.power_w,
                }
            )
    return units


def _ledger_costs(scenario: Scenario, machines: list[dict], systems: dict[int, dict]) -> dict:
    """Current yearly hardware cost of the selection from the ledger, allocated per system.

    Each system's hardware lease and maintenance (budget of the year before the plan starts) is
    split evenly over all its servers; the selection carries the share of its selected servers.
    Physical servers whose systems have no hardware cost in the ledger get the per-server defaults;
    VMs whose systems have none are counted as 0 and listed (their platform's cost is not in the
    ledger per system).
    """
    reference_fy = scenario.fiscal_year - 1
    selected_by_system: dict[int, int] = defaultdict(int)
    for m in machines:
        for sid in m["systems"]:
            selected_by_system[sid] += 1
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Cost.objects.filter(
            system_id__in=selected_by_system,
            fiscal_year=reference_fy,
            stage=CostStage.BUDGET,
            category__in=HW_CATEGORIES,
        )
        .values("system_id", "category")
        .annotate(total=Sum("amount"))
    ):
        amounts[row["system_id"]][row["category"]] = row["total"] or 0
    server_counts = dict(
        Server.objects.filter(systems__in=selected_by_system, kind__in=CANDIDATE_KINDS)
        .values_list("systems")
        .annotate(n=Count("pk", distinct=True))
    )
    rows = []
    for sid in sorted(selected_by_system, key=lambda s: systems[s]["number"]):
        lease = amounts[sid].get(CostCategory.HW_LEASE, 0)
        maintenance = amounts[sid].get(CostCategory.HW_MAINTENANCE, 0)
        total = max(server_counts.get(sid, 0), selected_by_system[sid])
        share = selected_by_system[sid] / total if total else 0.0
        rows.append(
            {
                "system_id": sid,
                "number": systems[sid]["number"],
                "name": systems[sid]["name"],
                "hw_lease": lease,
                "hw_maintenance": maintenance,
                "selected": selected_by_system[sid],
                "total": total,
                "share": round(share, 6),
                "allocated_lease": round(lease * share),
                "allocated_maintenance": round(maintenance * share),
                "in_ledger": bool(lease or maintenance),
            }
        )
    priced = {r["system_id"] for r in rows if r["in_ledger"]}
    default_servers, unpriced_vms = [], []
    for m in machines:
        if any(s in priced for s in m["systems"]):
            continue
        (default_servers if m["kind"] == ServerKind.PHYSICAL else unpriced_vms).append(m["id"])
    return {
        "basis": CostBasis.LEDGER,
        "reference_fy": reference_fy,
        "stage": CostStage.BUDGET,
        "rows": rows,
        "default_servers": default_servers,
        "unpriced_vms": unpriced_vms,
    }


def _prefetched(qs: QuerySet[Server]) -> QuerySet[Server]:
    return qs.select_related("host").prefetch_related(
        Prefetch(
            "systems",
            queryset=System.objects.prefetch_related(
                Prefetch("components", queryset=Component.objects.order_by("pk"))
            ).order_by("number"),
        ),
        Prefetch("components", queryset=Component.objects.order_by("pk")),
    )


def build_inputs(scenario: Scenario) -> BuiltInputs:
    """Read the ledger for a scenario and produce the optimizer input plus the snapshot.

    Raises :class:`ValidationFailed` (Japanese) when nothing is selected or some machine is larger
    than one host can take under the scenario's rules — the optimizer would refuse it anyway, and the
    user needs to know which machines to look at.

    A scenario planned by fiscal year (multi-year, or starting from the existing platform) also gets
    the planner's inputs: each candidate's move year, the existing hosts with their last year in
    service and running costs, the platform's VMs (residents) and the cost of a new host.
    """
    hm = scenario.host_model
    servers = list(_prefetched(scenario_servers(scenario)))
    hosts: list[Server] = []
    residents: list[Server] = []
    if scenario.extend_platform:
        hosts = list(platform_hosts())
        residents = list(_prefetched(platform_residents(Server.objects.filter(pk__in=[h.pk for h in hosts]))))
    if not servers and not residents:
        raise ValidationFailed(
            _("条件に合う機器がありません。対象の選び方と絞り込み条件を確認してください。")
        )
    capacity = usable_capacity(scenario, hm)
    machines: list[dict] = []
    systems: dict[int, dict] = {}
    by_name: dict[str, Server] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    too_big: list[str] = []
    resident_ids = {r.pk for r in residents}
    for server in [*servers, *residents]:
        sys_list = list(server.systems.all())
        for s in sys_list:
            systems.setdefault(
                s.pk,
                {
                    "number": s.number,
                    "name": s.name,
                    "division_id": s.owning_division_id,
                    "hosting_form": s.hosting_form,
                },
            )
        demand, source = _demand(server, scenario.demand_basis)
        if any(demand[d] > capacity[d] + 1e-9 for d in DIMENSIONS):
            too_big.append(server.name)
        maintenance = server.maintenance_end
        maintenance_source = "own"
        if maintenance is None and server.host_id and server.host:
            maintenance = server.host.maintenance_end
            maintenance_source = "host"
        segment = effective_segment(server, sys_list)
        resident = server.pk in resident_ids
        machines.append(
            {
                "id": server.name,
                "server_id": server.pk,
                "kind": server.kind,
                "segment": segment,
                "systems": [s.pk for s in sys_list],
                "vcpu": server.vcpu,
                "memory_gib": float(server.memory_gib),
                "storage_gib": float(server.storage_gib),
                "cpu_peak_pct": float(server.cpu_peak_pct) if server.cpu_peak_pct is not None else None,
                "mem_peak_pct": float(server.mem_peak_pct) if server.mem_peak_pct is not None else None,
                "demand": demand,
                "demand_source": source,
                "current_host": server.host.name if server.host_id and server.host else None,
                "current_host_id": server.host_id,
                "resident_host": server.host.name if resident and server.host else None,
                "maintenance_end": maintenance.isoformat() if maintenance else None,
                "maintenance_fy": fiscal_year_of(maintenance) if maintenance else None,
                "maintenance_source": maintenance_source if maintenance else "",
                "os": [] if resident else _os_of(server, sys_list),
            }
        )
        by_name[server.name] = server
        if scenario.anti_affinity and server.redundancy_group:
            groups[server.redundancy_group].append(server.name)
    if too_big:
        shown = "、".join(too_big[:5]) + (
            _(" ほか%(n)d台") % {"n": len(too_big) - 5} if len(too_big) > 5 else ""
        )
        raise ValidationFailed(
            _(
                "ホストモデル「%(model)s」の使用可能容量（余裕率・オーバーコミット適用後）を超える機器があります: "
                "%(names)s。より大きいホストモデルを選ぶか、余裕率を下げてください。"
            )
            % {"model": hm.name, "names": shown}
        )
    planner: dict | None = None
    planned = machines
    if scenario.plans_over_years:
        planner, planned = _planner_inputs(scenario, machines, hosts)
        if not planned:
            raise ValidationFailed(
                _(
                    "計画期間（%(first)s〜%(last)s）に移行する機器がありません。期間を延ばすか、対象の条件を"
                    "確認してください。"
                )
                % {
                    "first": fiscal_year_label(scenario.fiscal_year),
                    "last": fiscal_year_label(scenario.fiscal_year + scenario.horizon_years - 1),
                }
            )
    planned_ids = {m["id"] for m in planned}
    anti = [
        g2 for _name, g in sorted(groups.items()) if len(g2 := sorted(x for x in g if x in planned_ids)) > 1
    ]
    rules = opt.Rules(
        segment_separation=scenario.segment_separation,
        anti_affinity=anti,
        overcommit={"vcpu": float(scenario.vcpu_overcommit)} if scenario.vcpu_overcommit != 1 else {},
        headroom={d: scenario.headroom_pct / 100.0 for d in DIMENSIONS} if scenario.headroom_pct else {},
        n_plus_one=scenario.n_plus_one,
    )
    host_models = [
        opt.HostModel(
            id=f"hm-{hm.pk}",
            capacity={"vcpu": hm.cpu_cores, "memory_gib": hm.memory_gib, "storage_gib": hm.storage_gib},
            unit_cost=float(hm.purchase_price + hm.lease_per_year + hm.maintenance_per_year) or 1.0,
            power_w=float(hm.power_w),
        )
    ]
    if planner is not None:
        host_models += [
            opt.HostModel(
                id=planning.existing_model_id(h["id"]), capacity=dict(h["capacity"]), power_w=h["power_w"]
            )
            for h in planner["existing"]
        ]
    opt_scenario = opt.Scenario(
        dimensions=list(DIMENSIONS),
        machines=[
            opt.Machine(id=m["id"], demand=m["demand"], segment=m["segment"], current_host=m["current_host"])
            for m in planned
        ],
        host_models=host_models,
        rules=rules,
        time_limit=float(scenario.time_limit_s),
        seed=int(scenario.seed),
    )
    # Current costs and units: the machines that leave their own hardware (not the platform's VMs).
    moving = [m for m in planned if not m.get("resident_host")]
    units = _current_units(moving, by_name, scenario.current_power_w_default)
    if scenario.current_cost_basis == CostBasis.LEDGER:
        costs = _ledger_costs(scenario, moving, systems)
    else:
        costs = {"basis": CostBasis.DEFAULTS, "rows": [], "default_servers": [], "unpriced_vms": []}
    snapshot = {
        "machines": machines,
        "systems": {str(k): v for k, v in systems.items()},
        "units": units,
        "costs": costs,
        "anti_affinity": anti,
        "lifecycle_available": lifecycle.is_available(),
        "usable_capacity": capacity,
        "candidate_count": len(moving),
    }
    if planner is not None:
        snapshot["planner"] = planner
    return BuiltInputs(settings=scenario_settings(scenario), scenario=opt_scenario, snapshot=snapshot)


def _planner_inputs(scenario: Scenario, machines: list[dict], hosts: list[Server]) -> tuple[dict, list[dict]]:
    """The planner's inputs (JSON) and the machines it places (those moving within the horizon plus
    the platform's VMs). Candidates that only have to move after the plan's last year are listed in
    ``outside`` and left where they are."""
    from saiteki.consolidation.waves import move_years

    start = scenario.fiscal_year
    end = start + scenario.horizon_years - 1
    hm = scenario.host_model
    candidates = {m["id"]: m for m in machines if not m.get("resident_host")}
    move_fy, _sys, _own = move_years(candidates, start)
    arrival = {mid: fy for mid, fy in move_fy.items() if fy <= end}
    outside = [{"id": mid, "fy": fy} for mid, fy in sorted(move_fy.items()) if fy > end]
    existing = [
        planning.ExistingHostSpec(
            id=h.name,
            capacity={
                "vcpu": float(h.vcpu),
                "memory_gib": float(h.memory_gib),
                "storage_gib": float(h.storage_gib),
            },
            last_fy=existing_last_fy(h, scenario.existing_extension_years),
            power_w=float(h.power_w or scenario.current_power_w_default),
            yearly={
                "hw_maintenance": scenario.current_maintenance_per_server_year,
                "sw_license": scenario.current_licence_per_server_year,
            },
        )
        for h in hosts
    ]
    resident = {m["id"]: m["resident_host"] for m in machines if m.get("resident_host")}
    problem = planning.PlanProblem(
        scenario=opt.Scenario(dimensions=list(DIMENSIONS), machines=[], host_models=[]),
        start_fy=start,
        end_fy=end,
        arrival=arrival,
        existing=existing,
        resident=resident,
        pinned=scenario.platform_machines == PlatformMachines.PINNED,
        costs=planning.PlanCosts(
            purchase=hm.purchase_price,
            lease=hm.lease_per_year,
            maintenance=hm.maintenance_per_year,
            licence=hm.licence_per_year,
            power_w=float(hm.power_w),
            yen_per_kwh=float(scenario.yen_per_kwh),
            migration_per_machine=scenario.migration_cost_per_machine,
        ),
    )
    planner = problem.to_dict()
    planner["outside"] = outside
    planner["existing_hosts"] = [
        {
            "name": h.name,
            "server_id": h.pk,
            "maintenance_end": h.maintenance_end.isoformat() if h.maintenance_end else None,
            "last_fy": existing_last_fy(h, scenario.existing_extension_years),
            "vcpu": h.vcpu,
            "memory_gib": float(h.memory_gib),
            "storage_gib": float(h.storage_gib),
        }
        for h in hosts
    ]
    segments_on: dict[str, set] = defaultdict(set)
    for m in machines:
        if m.get("resident_host"):
            segments_on[m["resident_host"]].add(m["segment"])
    # Hosts whose VMs are of several segments today: pinned, they break the separation rule.
    planner["mixed_hosts"] = sorted(h for h, segs in segments_on.items() if len(segs) > 1)
    planned = [m for m in machines if m["id"] in arrival or m["id"] in resident]
    return planner, planned


def decimal_units(units: list[dict]) -> Decimal:
    """Current physical units, counting a shared host by the share of its guests that move."""
    return Decimal(str(round(sum(u["share"] for u in units), 2)))
