"""Migration waves: a system moves in the fiscal year of its earliest trigger (maintenance end or OS
end of support), never before the plan starts; its machines move together; hosts are added in the
first wave that needs them (an empty N+1 spare with the first hosts)."""

import pytest

from saiteki.consolidation.lifecycle import os_end_of_support
from saiteki.consolidation.waves import machine_trigger, plan_waves

HM = {"cpu_cores": 32, "memory_gib": 512, "storage_gib": 10000}


def machine(mid, systems, maintenance=None, os_eol=None, demand=(2, 8, 100)):
    return {
        "id": mid,
        "systems": systems,
        "maintenance_end": maintenance,
        "os": [{"label": "Windows Server 2016", "eol": os_eol}] if os_eol else [],
        "current_host": None,
        "demand": {"vcpu": demand[0], "memory_gib": demand[1], "storage_gib": demand[2]},
    }


def test_trigger_is_the_earlier_of_maintenance_and_os_eol():
    # Maintenance ends 2030-03-31 (FY2029); the OS leaves support 2027-01-12 (FY2026) → FY2026.
    t = machine_trigger(machine("a", [1], "2030-03-31", "2027-01-12"), start_fy=2025)
    assert (t["fy"], t["trigger"], t["overdue"]) == (2026, "os_eol", False)
    # Overdue moves in the first wave and says so.
    t = machine_trigger(machine("b", [1], "2024-03-31"), start_fy=2027)
    assert (t["fy"], t["trigger"], t["overdue"]) == (2027, "maintenance", True)
    t = machine_trigger(machine("c", [1]), start_fy=2027)
    assert (t["fy"], t["trigger"]) == (2027, "none")


def test_plan_waves_groups_systems_and_adds_capacity():
    snapshot = {
        "machines": [
            machine("a1", [1], "2029-03-31"),  # FY2028
            machine("a2", [1], "2031-03-31"),  # FY2030, but moves with its system in FY2028
            machine("b1", [2], "2030-03-31"),  # FY2029
            machine("c1", [3], None, "2027-01-12"),  # OS: FY2026 → first wave FY2027
        ],
        "systems": {
            "1": {"number": "S1", "name": "A"},
            "2": {"number": "S2", "name": "B"},
            "3": {"number": "S3", "name": "C"},
        },
        "lifecycle_available": True,
    }
    result = {
        "placement": {"a1": 0, "a2": 1, "b1": 1, "c1": 2},
        "hosts": [{"index": 0}, {"index": 1}, {"index": 2}, {"index": 3}],  # host 3: empty N+1 spare
    }
    w = plan_waves(settings={"fiscal_year": 2027, "host_model": HM}, snapshot=snapshot, result=result)
    by_fy = {r["fy"]: r for r in w["rows"]}
    assert [r["fy"] for r in w["rows"]] == [2027, 2028, 2029]
    assert (by_fy[2027]["systems"], by_fy[2027]["machines"], by_fy[2027]["hosts_added"]) == (
        1,
        1,
        2,
    )  # c1's host + spare
    assert (by_fy[2028]["systems"], by_fy[2028]["machines"], by_fy[2028]["hosts_added"]) == (1, 2, 2)
    assert by_fy[2028]["cores_added"] == 64 and by_fy[2028]["memory_added"] == 1024
    assert (by_fy[2029]["machines"], by_fy[2029]["hosts_added"], by_fy[2029]["hosts_total"]) == (1, 0, 4)
    systems = {s["number"]: s for s in w["systems"]}
    assert systems["S1"]["fy"] == 2028 and systems["S1"]["machines"] == ["a1", "a2"]
    assert systems["S3"]["trigger"] == "os_eol" and systems["S3"]["fy"] == 2027
    assert sum(r["hosts_added"] for r in w["rows"]) == len(result["hosts"])


@pytest.mark.django_db
def test_os_lookup_matches_ledger_versions():
    from saiteki.lifecycle import services as lifecycle_services
    from saiteki.lifecycle.catalogue import CatalogueRow

    lifecycle_services.catalogue_load_shipped()
    lifecycle_services.catalogue_apply(
        rows=[
            CatalogueRow("rhel", "7", label="7", eol="2024-06-30"),
            CatalogueRow("windows-server", "2012-r2", label="Windows Server 2012 R2", eol="2023-10-10"),
            CatalogueRow("windows-server", "2003", label="Windows Server 2003", eol="true"),
        ]
    )
    date, label = os_end_of_support("Red Hat Enterprise Linux", "7.9")
    assert date.isoformat() == "2024-06-30" and label == "Red Hat Enterprise Linux 7"
    date, label = os_end_of_support("Windows Server", "2012 R2")
    assert date.isoformat() == "2023-10-10" and label == "Windows Server 2012 R2"
    assert os_end_of_support("Windows Server", "2003")[0].year == 2000  # ended, no date recorded
    assert os_end_of_support("PostgreSQL", "13") == (None, "")  # not an OS: never forces a move
