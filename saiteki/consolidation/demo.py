"""Demo of the planner: the demo hosts' model, a scenario over the shared platform's 115 VMs of 74
systems (Okayama's 14 hosts), and one for the physical servers whose maintenance ends within three
fiscal years. Both are run once, synchronously with a short time limit, so the demo opens on results.

Deterministic (fixed settings and seeds; the optimizer is deterministic for a seed and time limit up
to where the time limit cuts the search) and idempotent (found by name; run only if never run).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from saiteki.accounts.models import User
from saiteki.consolidation import services
from saiteki.consolidation.choices import CostBasis, DemandBasis, RunStatus, SelectionMode
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.context import change_context
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of

HOST_MODEL = "仮想化ホスト標準機（48コア・768GiB）"
VM_SCENARIO = "統合サーバ更改（仮想マシン115台）"
RENEWAL_SCENARIO = "保守期限到来サーバの集約（3年度以内）"


@demo_loader(40, "サーバ集約")
def load_consolidation() -> str:
    admin = User.objects.filter(username="demo-admin").first()
    if admin is None:
        return "デモ利用者がいないため省略"
    next_fy = fiscal_year_of(datetime.date.today()) + 1
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
        vm, _ = Scenario.objects.get_or_create(
            name=VM_SCENARIO,
            defaults={
                **common,
                "description": (
                    "統合サーバ（VH-01〜VH-14）の更改に合わせ、74システム115台の仮想マシンを"
                    "同じ構成のホストに再配置する。実測ピーク使用率で見積もり、N+1構成とする。"
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
        out = []
        for scenario in (vm, renewal):
            run = scenario.runs.filter(status=RunStatus.SUCCEEDED).order_by("-number").first()
            if run is None:
                run = services.scenario_run_create(scenario=scenario, user=admin)
                services.scenario_run_execute(run_id=run.pk)
                run.refresh_from_db()
            out.append(f"{scenario.name}: 機器{run.machine_count}台→ホスト{run.hosts_used}台")
    return "、".join(out)
