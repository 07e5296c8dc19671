"""A small ledger for the planner's tests: a shared platform with two hosts and three VMs (one
redundant pair), physical servers of a My Number system with costs and OS components, a host model
and scenarios over each selection mode. Nothing here is autouse, so the optimizer's own tests (in
``tests/optimizer``) are unaffected."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from saiteki.consolidation.choices import CostBasis, DemandBasis, SelectionMode
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, ServerKind
from saiteki.ledger.models import Component, Cost, Server, System

FY = fiscal_year_of(datetime.date.today())


def fy_end(fy: int) -> datetime.date:
    return datetime.date(fy + 1, 3, 31)


@pytest.fixture
def ledger(orgs):
    """Systems, servers and costs; returns a dict of the objects by short name."""
    tax = System.objects.create(
        number="S001",
        name="税務システム",
        owning_division=orgs["税務課"],
        hosting_form=HostingForm.SHARED_PLATFORM,
        segment_lgwan=True,
    )
    lib = System.objects.create(
        number="S002",
        name="図書館システム",
        owning_division=orgs["県立図書館"],
        hosting_form=HostingForm.SHARED_PLATFORM,
        segment_internet=True,
    )
    jumin = System.objects.create(
        number="S003",
        name="住民情報システム",
        owning_division=orgs["税務課"],
        hosting_form=HostingForm.ONPREM,
        segment_mynumber=True,
        personal_info=True,
        my_number=True,
    )
    hosts = [
        Server.objects.create(
            name=f"VH-{i}",
            kind=ServerKind.PHYSICAL,
            vcpu=48,
            memory_gib=768,
            storage_gib=20000,
            power_w=900,
            maintenance_end=fy_end(FY + i),
        )
        for i in (1, 2)
    ]
    vms = []
    for name, host, system, seg, group in (
        ("vm-tax-1", hosts[0], tax, "lgwan", "S001-HA"),
        ("vm-tax-2", hosts[1], tax, "lgwan", "S001-HA"),
        ("vm-lib-1", hosts[0], lib, "internet", ""),
    ):
        vm = Server.objects.create(
            name=name,
            kind=ServerKind.VIRTUAL,
            host=host,
            vcpu=8,
            memory_gib=32,
            storage_gib=200,
            cpu_peak_pct=Decimal("50"),
            mem_peak_pct=Decimal("75"),
            segment=seg,
            redundancy_group=group,
        )
        vm.systems.add(system)
        vms.append(vm)
    physical = []
    for name, end, power in (("sv-jumin-1", fy_end(FY - 1), 400), ("sv-jumin-2", fy_end(FY + 4), None)):
        sv = Server.objects.create(
            name=name,
            kind=ServerKind.PHYSICAL,
            vcpu=16,
            memory_gib=64,
            storage_gib=1000,
            cpu_peak_pct=Decimal("25"),
            mem_peak_pct=Decimal("50"),
            power_w=power,
            maintenance_end=end,
            segment="mynumber",
        )
        sv.systems.add(jumin)
        physical.append(sv)
    Component.objects.create(
        system=jumin, server=physical[1], product="Windows Server", edition="Standard", product_version="2016"
    )
    for category, amount in ((CostCategory.HW_LEASE, 1_200_000), (CostCategory.HW_MAINTENANCE, 300_000)):
        Cost.objects.create(
            system=jumin, fiscal_year=FY, category=category, stage=CostStage.BUDGET, amount=amount
        )
    return {"tax": tax, "lib": lib, "jumin": jumin, "hosts": hosts, "vms": vms, "physical": physical}


@pytest.fixture
def host_model(db):
    return HostModel.objects.create(
        name="標準ホスト",
        cpu_cores=32,
        memory_gib=512,
        storage_gib=10000,
        purchase_price=3_000_000,
        maintenance_per_year=300_000,
        licence_per_host_per_year=100_000,
        licence_per_core_per_year=10_000,
        power_w=600,
    )


def make_scenario(host_model, **kw) -> Scenario:
    fields = {
        "name": "テストシナリオ",
        "fiscal_year": FY + 1,
        "selection": SelectionMode.SHARED_PLATFORM,
        "demand_basis": DemandBasis.ALLOCATED,
        "host_model": host_model,
        "time_limit_s": 2,
        "current_cost_basis": CostBasis.DEFAULTS,
        "current_hw_per_server_year": 1_000_000,
        "current_maintenance_per_server_year": 200_000,
        "current_licence_per_server_year": 50_000,
    }
    fields.update(kw)
    scenario = Scenario(**fields)
    scenario.full_clean()
    scenario.save()
    return scenario


@pytest.fixture
def vm_scenario(ledger, host_model):
    return make_scenario(host_model)


@pytest.fixture
def renewal_scenario(ledger, host_model):
    return make_scenario(
        host_model,
        name="更改シナリオ",
        selection=SelectionMode.MAINTENANCE_DUE,
        maintenance_within_years=2,
        current_cost_basis=CostBasis.LEDGER,
    )


def staged_server(system, name, end, *, storage=6000, segment="lgwan"):
    """A physical server big enough to need a host of its own (6,000 of 8,000 usable GiB)."""
    server = Server.objects.create(
        name=name,
        kind=ServerKind.PHYSICAL,
        vcpu=4,
        memory_gib=16,
        storage_gib=storage,
        power_w=300,
        maintenance_end=end,
        segment=segment,
    )
    server.systems.add(system)
    return server


@pytest.fixture
def staged(ledger, orgs):
    """Two on-premise systems whose servers' maintenance ends two and three fiscal years after the
    plan starts (FY+1): a multi-year plan buys one host in each of those years."""
    a = System.objects.create(
        number="S005", name="電子申請システム", owning_division=orgs["税務課"], segment_lgwan=True
    )
    b = System.objects.create(
        number="S006", name="文書管理システム", owning_division=orgs["県立図書館"], segment_lgwan=True
    )
    return {
        "a": a,
        "b": b,
        "sv_a": staged_server(a, "sv-shinsei-1", fy_end(FY + 2)),
        "sv_b": staged_server(b, "sv-bunsho-1", fy_end(FY + 3)),
    }


@pytest.fixture
def multiyear_scenario(staged, host_model):
    """Physical servers by ledger filter, planned over four fiscal years from FY+1."""
    return make_scenario(
        host_model,
        name="年度別シナリオ",
        selection=SelectionMode.FILTER,
        filter_server_kind="physical",
        planning="multi_year",
        horizon_years=4,
        migration_cost_per_machine=100_000,
    )


@pytest.fixture
def extension_scenario(staged, host_model):
    """Mie's question on the small ledger: the platform's two hosts (kept three years past their
    maintenance end) and VMs, repacked as needed, plus the on-premise physical servers as candidates."""
    return make_scenario(
        host_model,
        name="統合基盤の拡張",
        selection=SelectionMode.FILTER,
        filter_server_kind="physical",
        extend_platform=True,
        platform_machines="movable",
        existing_extension_years=3,
        planning="multi_year",
        horizon_years=3,
    )
