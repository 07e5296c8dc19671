"""From the ledger to the optimizer: selection modes, demand basis, segments, redundancy groups, the
current units and the ledger cost allocation, and the Japanese refusals."""

from decimal import Decimal

import pytest

from saiteki.consolidation import inputs, selection
from saiteki.consolidation.choices import DemandBasis, SelectionMode
from saiteki.core.errors import ValidationFailed

from .conftest import FY, make_scenario

pytestmark = pytest.mark.django_db


def names(scenario):
    return [s.name for s in selection.scenario_servers(scenario)]


def test_shared_platform_selects_the_vms_not_their_hosts(vm_scenario):
    assert names(vm_scenario) == ["vm-lib-1", "vm-tax-1", "vm-tax-2"]


def test_maintenance_due_selects_physical_servers_ending_within_n_years(renewal_scenario):
    # FY+1 … FY+2: sv-jumin-1 is overdue (included), sv-jumin-2 ends in FY+4, the VH hosts carry guests.
    assert names(renewal_scenario) == ["sv-jumin-1"]
    renewal_scenario.maintenance_within_years = 4
    assert names(renewal_scenario) == ["sv-jumin-1", "sv-jumin-2"]
    assert selection.maintenance_cutoff(renewal_scenario).isoformat() == f"{FY + 5}-03-31"


def test_filter_mode_by_segment_division_and_kind(ledger, host_model, orgs):
    s = make_scenario(host_model, selection=SelectionMode.FILTER)
    assert names(s) == ["sv-jumin-1", "sv-jumin-2", "vm-lib-1", "vm-tax-1", "vm-tax-2"]
    s.filter_segment = "internet"
    assert names(s) == ["vm-lib-1"]
    s.filter_segment = ""
    s.filter_division = orgs["税務課"]
    s.filter_server_kind = "physical"
    assert names(s) == ["sv-jumin-1", "sv-jumin-2"]
    s.filter_server_kind = ""
    s.filter_division = None
    s.filter_bureau = orgs["教育庁"]
    assert names(s) == ["vm-lib-1"]


def test_inputs_carry_demand_segments_and_anti_affinity(vm_scenario):
    vm_scenario.demand_basis = DemandBasis.PEAK
    vm_scenario.headroom_pct = 20
    vm_scenario.vcpu_overcommit = Decimal("2")
    built = inputs.build_inputs(vm_scenario)
    sc = built.scenario
    assert sc.dimensions == ["vcpu", "memory_gib", "storage_gib"]
    tax1 = next(m for m in sc.machines if m.id == "vm-tax-1")
    assert tax1.demand == {"vcpu": 4.0, "memory_gib": 24.0, "storage_gib": 200.0}  # 8×50%, 32×75%
    assert tax1.segment == "lgwan" and tax1.current_host == "VH-1"
    assert sc.rules.segment_separation and sc.rules.anti_affinity == [["vm-tax-1", "vm-tax-2"]]
    assert sc.rules.overcommit == {"vcpu": 2.0}
    assert sc.rules.headroom == {"vcpu": 0.2, "memory_gib": 0.2, "storage_gib": 0.2}
    assert sc.host_models[0].capacity == {"vcpu": 32, "memory_gib": 512, "storage_gib": 10000}
    # Current units: the two hosts, each fully selected (VH-1 carries 2 of its 2 VMs).
    units = {u["name"]: u for u in built.snapshot["units"]}
    assert units["VH-1"]["share"] == 1.0 and units["VH-1"]["selected"] == 2
    assert inputs.decimal_units(built.snapshot["units"]) == Decimal("2.00")


def test_ledger_costs_are_allocated_by_share_of_servers(renewal_scenario):
    built = inputs.build_inputs(renewal_scenario)
    costs = built.snapshot["costs"]
    assert costs["reference_fy"] == FY and costs["basis"] == "ledger"
    (row,) = costs["rows"]
    assert (row["selected"], row["total"], row["share"]) == (1, 2, 0.5)
    assert (row["allocated_lease"], row["allocated_maintenance"]) == (600_000, 150_000)
    assert costs["default_servers"] == []


def test_os_end_of_support_comes_from_the_lifecycle_catalogue(renewal_scenario):
    from saiteki.lifecycle import services as lifecycle_services

    lifecycle_services.catalogue_load_shipped()  # the one EOL catalogue of the product
    renewal_scenario.maintenance_within_years = 5
    built = inputs.build_inputs(renewal_scenario)
    sv2 = next(m for m in built.snapshot["machines"] if m["id"] == "sv-jumin-2")
    assert sv2["os"] == [{"label": "Windows Server 2016", "eol": "2027-01-12"}]
    assert built.snapshot["lifecycle_available"] is True


def test_a_component_override_moves_the_os_end_of_support(renewal_scenario):
    import datetime

    from saiteki.lifecycle import services as lifecycle_services
    from saiteki.lifecycle.models import ComponentLifecycle

    lifecycle_services.catalogue_load_shipped()
    lifecycle_services.components_match()
    lc = ComponentLifecycle.objects.filter(cycle__product__slug="windows-server").first()
    ComponentLifecycle.objects.filter(pk=lc.pk).update(
        override_eol=datetime.date(2031, 3, 31), eff_eol=datetime.date(2031, 3, 31)
    )
    renewal_scenario.maintenance_within_years = 5
    built = inputs.build_inputs(renewal_scenario)
    assert {"label": "Windows Server 2016", "eol": "2031-03-31"} in [
        o for m in built.snapshot["machines"] for o in m["os"]
    ]


def test_empty_lifecycle_catalogue_means_maintenance_only(renewal_scenario):
    from saiteki.lifecycle.models import Cycle

    Cycle.objects.filter(product__slug__in=["windows-server", "rhel"]).delete()
    Cycle.objects.all().delete()
    built = inputs.build_inputs(renewal_scenario)
    assert built.snapshot["lifecycle_available"] is False
    assert all(m["os"] == [] for m in built.snapshot["machines"])


def test_nothing_selected_is_refused_in_japanese(ledger, host_model, orgs):
    s = make_scenario(host_model, selection=SelectionMode.FILTER, filter_division=orgs["教育政策課"])
    with pytest.raises(ValidationFailed, match="条件に合う機器がありません"):
        inputs.build_inputs(s)


def test_machine_larger_than_a_host_is_named(ledger, host_model):
    s = make_scenario(host_model, selection=SelectionMode.FILTER, headroom_pct=90)
    with pytest.raises(ValidationFailed) as exc:
        inputs.build_inputs(s)
    assert "sv-jumin-1" in str(exc.value) and "余裕率" in str(exc.value)
