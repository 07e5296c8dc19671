"""Demo of the planner: the demo hosts' model; a scenario over the shared platform's 115 VMs of 74
systems (Okayama's 14 hosts); one for the physical servers whose maintenance ends within three fiscal
years; a multi-year plan of the on-premise servers over six fiscal years (purchases spread over the
years), adopted last year with three systems already moved in the ledger (realised savings); and the
Mie-style extension of the shared platform with one bureau's on-premise systems as candidates.

Every scenario is run once, synchronously with a short time limit, so the demo opens on results.
Deterministic (fixed settings and seeds; the engine is deterministic for a seed and time limit up to
where the time limit cuts the search) and idempotent (found by name; run, adopted and moved only once).
Loaded after the lifecycle catalogue, so migration years also follow OS end of support.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from saiteki.accounts.models import Organization, User
from saiteki.consolidation import realised, services
from saiteki.consolidation.choices import (
    CostBasis,
    DemandBasis,
    PlanningMode,
    PlatformMachines,
    RunStatus,
    SelectionMode,
)
from saiteki.consolidation.inputs import HW_CATEGORIES
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.consolidation.selection import platform_hosts
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.choices import CostStage, HostingForm, ServerKind
from saiteki.ledger.models import Cost, Server, System

HOST_MODEL = "仮想化ホスト標準機（48コア・768GiB）"
VM_SCENARIO = "統合サーバ更改（共通基盤の仮想マシン）"
RENEWAL_SCENARIO = "保守期限到来サーバの集約（3年度以内）"
MULTIYEAR_SCENARIO = "各課サーバの年度別集約計画（6年度）"
EXTENSION_SCENARIO = "統合サーバの拡張（既存基盤＋候補システム）"
#: Mie moved 14 more systems onto the renewed integrated server (40 → 54).
EXTENSION_CANDIDATES = 14
DEMO_MOVES = 3


def _latest(scenario: Scenario, admin: User) -> ScenarioRun:
    run = scenario.runs.filter(status=RunStatus.SUCCEEDED).order_by("-number").first()
    if run is None:
        run = services.scenario_run_create(scenario=scenario, user=admin)
        services.scenario_run_execute(run_id=run.pk)
        run.refresh_from_db()
    return run


def _candidate_bureau() -> Organization | None:
    """The bureau whose on-premise systems with physical servers number closest to Mie's 14."""
    counts = (
        Organization.objects.filter(kind="bureau")
        .annotate(
            n=Count(
                "children__systems",
                filter=Q(
                    children__systems__hosting_form=HostingForm.ONPREM,
                    children__systems__servers__kind=ServerKind.PHYSICAL,
                ),
                distinct=True,
            )
        )
        .filter(n__gt=0)
        .order_by("sort_order", "pk")
    )
    return min(counts, key=lambda o: (abs(o.n - EXTENSION_CANDIDATES), o.sort_order, o.pk), default=None)


def _record_moves(run: ScenarioRun, admin: User) -> int:
    """Three systems of the plan's first year move in the ledger during that year: the hosting form
    becomes 共通基盤, each physical server becomes a VM on a platform host, and the next year's
    hardware budget of the system drops to zero — so the plan page shows them as done, with the saving
    realised from the ledger's costs."""
    if realised.run_progress(run)["totals"]["done"]:
        return 0
    first = run.plan["start"]
    machines = {m["id"]: m for m in run.snapshot["machines"]}
    hosts = list(platform_hosts()[:3])
    if not hosts:
        return 0
    chosen = []
    for entry in run.waves["systems"]:
        mids = entry["machines"]
        if entry["fy"] != first or not all(machines[m]["kind"] == ServerKind.PHYSICAL for m in mids):
            continue
        if machines[mids[0]]["segment"] != "lgwan":
            continue
        chosen.append(entry)
        if len(chosen) == DEMO_MOVES:
            break
    moved_at = timezone.make_aware(datetime.datetime(first, 10, 1, 9, 0))
    for k, entry in enumerate(chosen):
        system = System.objects.get(pk=entry["system_id"])
        with change_context(user=admin, at=moved_at, reason="共通基盤（統合サーバ）へ移行"):
            system.hosting_form = HostingForm.SHARED_PLATFORM
            system.save()
            for server in Server.objects.filter(name__in=entry["machines"]):
                server.kind = ServerKind.VIRTUAL
                server.host = hosts[k % len(hosts)]
                server.maintenance_end = None
                server.power_w = None
                server.location = "県庁情報センター"
                server.save()
        with change_context(user=admin, reason="統合サーバへの移行に伴うハードウェア経費の減額"):
            for cost in Cost.objects.filter(
                system=system, fiscal_year=first + 1, stage=CostStage.BUDGET, category__in=HW_CATEGORIES
            ):
                cost.amount = 0
                cost.save()
    return len(chosen)


@demo_loader(53, "サーバ集約")
def load_consolidation() -> str:
    admin = User.objects.filter(username="demo-admin").first()
    if admin is None:
        return "デモ利用者がいないため省略"
    this_fy = fiscal_year_of(datetime.date.today())
    next_fy = this_fy + 1
    with change_context(user=admin, reason="デモデータ投入"):
        host_model, _ = HostModel.objects.get_or_create(
            name=HOST_MODEL,
            defaults={
                "product": "2ソケット ラックサーバ（デモ用の想定）",
                "cpu_cores": 48,
                "memory_gib": 768,
                "storage_gib": 20000,
                "purchase_price": 4_800_000,
                "lease_per_year": 0,
                "maintenance_per_year": 400_000,
                "licence_per_host_per_year": 300_000,
                "licence_per_core_per_year": 6_000,
                "power_w": 900,
                "notes": "デモの統合サーバ（VH-01〜VH-14）と同じ構成。価格は説明用の想定値です。",
            },
        )
        common = {
            "fiscal_year": next_fy,
            "host_model": host_model,
            "demand_basis": DemandBasis.PEAK,
            "segment_separation": True,
            "anti_affinity": True,
            "headroom_pct": 20,
            "vcpu_overcommit": Decimal("2.00"),
            "n_plus_one": True,
            "time_limit_s": 2,
            "seed": 0,
            "horizon_years": 5,
            "current_hw_per_server_year": 1_200_000,
            "current_maintenance_per_server_year": 360_000,
            "current_licence_per_server_year": 600_000,
            "current_power_w_default": 400,
            "migration_cost_per_machine": 100_000,
        }
        # A demo database loaded before the scenario was renamed keeps one scenario, not two.
        Scenario.objects.filter(name="統合サーバ更改（仮想マシン115台）").update(name=VM_SCENARIO)
        vm, _ = Scenario.objects.get_or_create(
            name=VM_SCENARIO,
            defaults={
                **common,
                "description": (
                    "統合サーバ（VH-01〜VH-14）の更改に合わせ、共通基盤の仮想マシン（平成25年度末の74システム"
                    "115台に、その後の移行分を加えたもの）を同じ構成のホストに再配置する。"
                    "実測ピーク使用率で見積もり、N+1構成とする。"
                ),
                "selection": SelectionMode.SHARED_PLATFORM,
                "current_cost_basis": CostBasis.DEFAULTS,
            },
        )
        renewal, _ = Scenario.objects.get_or_create(
            name=RENEWAL_SCENARIO,
            defaults={
                **common,
                "description": "保守期限が3年度以内に来る各課の物理サーバを、更改せずに仮想化ホストへ集約する。",
                "selection": SelectionMode.MAINTENANCE_DUE,
                "maintenance_within_years": 3,
                "current_cost_basis": CostBasis.LEDGER,
                "current_hw_per_server_year": 400_000,
                "current_maintenance_per_server_year": 120_000,
                "current_licence_per_server_year": 150_000,
                "migration_cost_per_machine": 300_000,
            },
        )
        multiyear, _ = Scenario.objects.get_or_create(
            name=MULTIYEAR_SCENARIO,
            defaults={
                **common,
                "description": (
                    "各課のオンプレミスの物理サーバを、保守期限またはOSサポート終了の年度に仮想化ホストへ移す"
                    "6年度の計画。ホストは必要になる年度に購入する。昨年度に採用し、初年度分の移行が進んでいる。"
                ),
                "fiscal_year": this_fy - 1,
                "selection": SelectionMode.FILTER,
                "filter_server_kind": "physical",
                "filter_hosting_form": HostingForm.ONPREM,
                "planning": PlanningMode.MULTI_YEAR,
                "horizon_years": 6,
                "current_cost_basis": CostBasis.LEDGER,
                "current_hw_per_server_year": 400_000,
                "current_maintenance_per_server_year": 120_000,
                "current_licence_per_server_year": 150_000,
                "migration_cost_per_machine": 300_000,
            },
        )
        bureau = _candidate_bureau()
        extension, _ = Scenario.objects.get_or_create(
            name=EXTENSION_SCENARIO,
            defaults={
                **common,
                "description": (
                    "三重県の統合サーバ（40システム→54システム）にならい、既存の統合サーバ（VH-01〜VH-14）と"
                    "その仮想マシンから始め、%sのオンプレミスのシステムを候補として追加する。"
                    "何台のホストを追加すればよいか、いま載せられる候補はどれかを確かめる。"
                )
                % (bureau.name if bureau else "各課"),
                "selection": SelectionMode.FILTER,
                "filter_server_kind": "physical",
                "filter_hosting_form": HostingForm.ONPREM,
                "filter_bureau": bureau,
                "extend_platform": True,
                "platform_machines": PlatformMachines.MOVABLE,
                "existing_extension_years": 3,
                "planning": PlanningMode.MULTI_YEAR,
                "horizon_years": 6,
                "n_plus_one": False,
                "current_cost_basis": CostBasis.LEDGER,
            },
        )
        out = []
        for scenario in (vm, renewal):
            run = _latest(scenario, admin)
            out.append(f"{scenario.name}: 機器{run.machine_count}台→ホスト{run.hosts_used}台")
        run = _latest(multiyear, admin)
        if run.adopted_at is None and run.feasible:
            services.scenario_run_adopt(run=run, user=admin, reason="デモ: 情報化推進会議で決定")
            run.refresh_from_db()
        moved = _record_moves(run, admin) if run.adopted_at else 0
        out.append(
            f"{multiyear.name}: 新ホスト{run.new_hosts}台を{len([r for r in run.plan['rows'] if r['bought']])}"
            f"年度に分けて購入、移行済み{moved}システム"
        )
        run = _latest(extension, admin)
        fits = (run.plan or {}).get("fits_now") or {}
        out.append(f"{extension.name}: いま追加するホスト{fits.get('new_hosts', 0)}台")
    return "、".join(out)
