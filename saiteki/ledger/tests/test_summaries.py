"""The summary tables equal the sum of the rows after every kind of write (docs/adr/0007).

The triggers are checked here statement by statement (ORM create/update/delete, bulk_create, queryset
update/delete, raw SQL, a system moving to another 所属 or 稼働形態, a system deleted with its costs);
``test_summary_property.py`` drives the application's own write paths in random order.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from saiteki.ledger import summaries
from saiteki.ledger.choices import CostCategory, CostStage, HostingForm, LifecycleStatus
from saiteki.ledger.models import Cost, CostSummary, System, SystemCostTotal, SystemCount

pytestmark = pytest.mark.django_db


def _in_step() -> None:
    assert summaries.differences() == {
        "ledger_costsummary": 0,
        "ledger_systemcosttotal": 0,
        "ledger_systemcount": 0,
    }


def _system(number, division, hosting=HostingForm.ONPREM, status=LifecycleStatus.OPERATING) -> System:
    return System.objects.create(
        number=number, name=f"{number}", owning_division=division, hosting_form=hosting, status=status
    )


def test_cost_writes_of_every_kind_keep_the_summaries_in_step(orgs):
    tax = _system("T1", orgs["税務課"])
    lib = _system("L1", orgs["県立図書館"], HostingForm.SHARED_PLATFORM)
    _in_step()
    c1 = Cost.objects.create(system=tax, fiscal_year=2024, category="hw_lease", stage="budget", amount=100)
    Cost.objects.create(system=tax, fiscal_year=2024, category="design_dev", stage="budget", amount=50)
    _in_step()
    cell = CostSummary.objects.get(
        division=orgs["税務課"], hosting_form="onprem", fiscal_year=2024, stage="budget", category="hw_lease"
    )
    assert (cell.amount, cell.cost_rows) == (100, 1)
    total = SystemCostTotal.objects.get(system=tax, fiscal_year=2024, stage="budget")
    assert (total.amount, total.cost_rows) == (150, 2)

    Cost.objects.bulk_create(
        [
            Cost(system=lib, fiscal_year=fy, category=cat, stage=stage, amount=fy + len(cat))
            for fy in (2023, 2024)
            for cat in (CostCategory.HW_LEASE, CostCategory.NETWORK)
            for stage in CostStage.values
        ]
    )
    _in_step()
    c1.amount = 0  # an amount of 0 is a registered cost: the cell stays, with 0円
    c1.save()
    _in_step()
    assert SystemCostTotal.objects.get(system=tax, fiscal_year=2024, stage="budget").amount == 50
    c1.fiscal_year = 2025
    c1.save()
    _in_step()
    Cost.objects.filter(system=lib, stage="actual").update(amount=7)
    _in_step()
    Cost.objects.filter(system=lib, fiscal_year=2023).delete()
    _in_step()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_cost (created_at, updated_at, version, system_id, fiscal_year, category, stage, amount)"
            " VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, %s, 2022, 'other', 'budget', 9)",
            [tax.pk],
        )
    _in_step()
    Cost.objects.filter(system=tax).delete()
    _in_step()
    assert not SystemCostTotal.objects.filter(system=tax).exists()  # 未登録 again, not 0円


def test_a_system_moving_takes_its_costs_and_counts_along(orgs):
    tax = _system("T1", orgs["税務課"])
    for fy in (2023, 2024):
        Cost.objects.create(system=tax, fiscal_year=fy, category="hw_lease", stage="budget", amount=fy)
    assert (
        SystemCount.objects.get(division=orgs["税務課"], hosting_form="onprem", status="operating").systems
        == 1
    )
    tax.owning_division = orgs["県立図書館"]
    tax.hosting_form = HostingForm.GOV_CLOUD
    tax.save()
    _in_step()
    assert not CostSummary.objects.filter(division=orgs["税務課"]).exists()
    assert CostSummary.objects.get(division=orgs["県立図書館"], fiscal_year=2024).hosting_form == "gov_cloud"
    System.objects.filter(pk=tax.pk).update(status=LifecycleStatus.RETIRED)
    _in_step()
    tax.name = "名前だけの変更"  # nothing summarised changes
    tax.save()
    _in_step()


def test_deleting_a_system_removes_its_costs_from_every_summary(orgs):
    tax = _system("T1", orgs["税務課"])
    keep = _system("T2", orgs["税務課"])
    for system in (tax, keep):
        Cost.objects.create(system=system, fiscal_year=2024, category="hw_lease", stage="budget", amount=10)
    tax.delete()
    _in_step()
    assert CostSummary.objects.get(division=orgs["税務課"]).amount == 10
    assert SystemCount.objects.get(division=orgs["税務課"]).systems == 1


def test_rebuild_repairs_a_summary_and_the_command_reports_it(orgs, capsys):
    tax = _system("T1", orgs["税務課"])
    Cost.objects.create(system=tax, fiscal_year=2024, category="hw_lease", stage="budget", amount=10)
    CostSummary.objects.update(amount=999)  # drift, as after a restore of only some tables
    SystemCount.objects.all().delete()
    assert summaries.differences()["ledger_costsummary"] == 2  # one wrong row out, the right one missing
    with pytest.raises(SystemExit):
        call_command("ledger_summaries", "--check")
    call_command("ledger_summaries", "--rebuild")
    _in_step()
    call_command("ledger_summaries", "--check")
    assert "一致" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL functions")
def test_postgres_functions_and_triggers_work_with_an_empty_search_path(orgs):
    """A restore runs pg_dump's SQL with ``search_path = ''``: building the gram index and firing the
    summary triggers there must not depend on it (an unqualified ``ledger_grams`` broke the restore)."""
    system = _system("Q1", orgs["税務課"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path = ''")
        cursor.execute("SELECT public.ledger_system_grams('Q1', '県税', NULL, NULL) @> ARRAY['県税']")
        assert cursor.fetchone()[0] is True
        cursor.execute(
            "INSERT INTO public.ledger_cost (system_id, fiscal_year, category, stage, amount, version, "
            "created_at, updated_at) VALUES (%s, 2024, 'hw_lease', 'budget', 70, 1, now(), now())",
            [system.pk],
        )
        cursor.execute(
            "UPDATE public.ledger_system SET hosting_form = 'shared_platform' WHERE id = %s", [system.pk]
        )
        cursor.execute("RESET search_path")
    _in_step()
