"""Backup compliance: each requirement unmet alone (the Python rule and the SQL rule agree), boundary
days, the importance derived from the ledger, the standard's change, and a past year read from history."""

import datetime
import itertools
import random

import pytest
from django.utils import timezone

from saiteki.core.context import change_context
from saiteki.ledger.tests.factories import make_system
from saiteki.resilience import kpi_values, selectors, services
from saiteki.resilience.choices import BackupFrequency, Requirement
from saiteki.resilience.compliance import importance_of, months_before, restore_cutoff
from saiteki.resilience.models import BackupPractice

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()

GOOD_HIGH = {
    "frequency": BackupFrequency.DAILY,
    "generations": 7,
    "offsite_location": "県外データセンター",
    "offline_copy": True,
    "last_restore_test": TODAY - datetime.timedelta(days=30),
}


def system_with(orgs, number, practice=None, integrity=3, availability=3, status="operating"):
    s = make_system(
        orgs["税務課"], number=number, integrity=integrity, availability=availability, status=status
    )
    if practice is not None:
        BackupPractice.objects.create(system=s, **practice)
    return s


def unmet_python(system) -> list[str]:
    return [u.requirement for u in selectors.system_compliance(system)["unmet"]]


def unmet_sql(system) -> list[str]:
    standards = selectors.standards_map()
    qs = selectors.subject_systems().filter(pk=system.pk)
    return [r for r in Requirement.values if qs.filter(selectors.unmet_q(r, standards, TODAY)).exists()]


def compliant_sql(system) -> bool:
    return (
        selectors.subject_systems()
        .filter(pk=system.pk)
        .filter(selectors.compliance_q(selectors.standards_map(), TODAY))
        .exists()
    )


def test_importance_is_the_higher_of_integrity_and_availability():
    assert importance_of(1, 3) == 3
    assert importance_of(2, 1) == 2
    assert importance_of(1, 1) == 1
    assert importance_of(None, None) == 2


def test_a_practice_meeting_the_standard_is_compliant(orgs, standards):
    s = system_with(orgs, "S-OK", GOOD_HIGH)
    assert unmet_python(s) == [] and unmet_sql(s) == [] and compliant_sql(s)


@pytest.mark.parametrize(
    ("change", "requirement", "message"),
    [
        (
            {"frequency": BackupFrequency.WEEKLY},
            Requirement.FREQUENCY,
            "取得頻度が基準を満たしていません（基準: 毎日、現状: 毎週）。",
        ),
        (
            {"generations": 6},
            Requirement.GENERATIONS,
            "保管世代数が不足しています（基準: 7世代以上、現状: 6世代）。",
        ),
        ({"offsite_location": ""}, Requirement.OFFSITE, "遠隔地（庁舎外）への保管がありません。"),
        (
            {"offline_copy": False},
            Requirement.OFFLINE,
            "オフラインまたは改ざん防止（イミュータブル）のコピーがありません。",
        ),
        (
            {"last_restore_test": None},
            Requirement.RESTORE_TEST,
            "リストア試験の実施記録がありません（基準: 12か月ごと）。",
        ),
        (
            {"last_restore_test": months_before(TODAY, 12) - datetime.timedelta(days=1)},
            Requirement.RESTORE_TEST,
            "直近12か月以内にリストア試験が実施されていません",
        ),
    ],
)
def test_each_requirement_unmet_alone_is_named(orgs, standards, change, requirement, message):
    s = system_with(orgs, "S-ONE", {**GOOD_HIGH, **change})
    result = selectors.system_compliance(s)
    assert [u.requirement for u in result["unmet"]] == [requirement]
    assert result["unmet"][0].message.startswith(message)
    assert unmet_sql(s) == [requirement]
    assert not compliant_sql(s)


def test_without_a_practice_only_the_answer_is_missing(orgs, standards):
    s = system_with(orgs, "S-NONE")
    assert unmet_python(s) == [Requirement.ANSWERED] == unmet_sql(s)


def test_without_a_standard_nothing_can_be_judged(orgs, standards):
    standards[3].delete()
    s = system_with(orgs, "S-NOSTD", GOOD_HIGH)
    assert unmet_python(s) == [Requirement.STANDARD] == unmet_sql(s)


def test_boundaries_restore_test_on_the_cutoff_day_and_more_frequent_backups(orgs, standards):
    cutoff = restore_cutoff(TODAY, 12)
    on_cutoff = system_with(orgs, "S-CUT", {**GOOD_HIGH, "last_restore_test": cutoff})
    continuous = system_with(
        orgs, "S-CONT", {**GOOD_HIGH, "frequency": BackupFrequency.CONTINUOUS, "generations": 30}
    )
    assert unmet_python(on_cutoff) == [] == unmet_sql(on_cutoff)
    assert unmet_python(continuous) == [] == unmet_sql(continuous)


def test_month_arithmetic_at_month_ends():
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2024, 3, 31), 1) == datetime.date(2024, 2, 29)
    assert months_before(datetime.date(2026, 1, 15), 12) == datetime.date(2025, 1, 15)
    assert restore_cutoff(datetime.date(2026, 1, 15), 0) is None


def test_low_importance_needs_no_offsite_copy_nor_restore_test(orgs, standards):
    s = system_with(
        orgs,
        "S-LOW",
        {
            "frequency": BackupFrequency.WEEKLY,
            "generations": 2,
            "offsite_location": "",
            "offline_copy": False,
        },
        integrity=1,
        availability=1,
    )
    assert unmet_python(s) == [] == unmet_sql(s)


def test_only_systems_in_operation_count(orgs, standards):
    system_with(orgs, "S-RET", status="retired")
    system_with(orgs, "S-PLAN", status="planning")
    ok = system_with(orgs, "S-RUN", GOOD_HIGH)
    summary = selectors.compliance_summary()
    assert (summary.total, summary.compliant, summary.pct) == (1, 1, 100)
    assert [r.number for r in selectors.compliance_results()] == [ok.number]


def test_python_and_sql_agree_on_a_grid_of_practices(orgs, standards):
    rng = random.Random(7)
    cutoff = restore_cutoff(TODAY, 12)
    grid = list(
        itertools.product(
            BackupFrequency.values,
            [0, 2, 3, 7],
            ["", "DC"],
            [False, True],
            [None, cutoff - datetime.timedelta(days=1), cutoff, TODAY],
            [1, 2, 3],
        )
    )
    systems = []
    for i, (freq, gens, offsite, offline, last, level) in enumerate(rng.sample(grid, 90)):
        if freq == BackupFrequency.NONE:
            gens = 0
        elif gens == 0:
            gens = 1
        practice = {
            "frequency": freq,
            "generations": gens,
            "offsite_location": offsite,
            "offline_copy": offline,
            "last_restore_test": last,
        }
        systems.append(system_with(orgs, f"G{i:03d}", practice, integrity=level, availability=1))
    for s in systems:
        assert unmet_python(s) == unmet_sql(s), s.number
    summary = selectors.compliance_summary()
    assert summary.compliant == sum(1 for s in systems if not unmet_python(s))
    assert sum(summary.by_requirement.values()) == sum(len(unmet_python(s)) for s in systems)


def test_raising_the_standard_changes_compliance_at_once_and_is_logged(orgs, standards, role_users):
    from saiteki.core.views.generic import history_for

    s = system_with(orgs, "S-STD", GOOD_HIGH)
    assert compliant_sql(s)
    with change_context(reason="世代数の見直し"):
        services.standard_update(user=role_users["admin"], standard=standards[3], values={"generations": 14})
    assert unmet_python(s) == [Requirement.GENERATIONS] == unmet_sql(s)
    change = history_for(standards[3]).first()
    assert change.reason == "世代数の見直し" and change.postchange_data["generations"] == 14
    from saiteki.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        services.standard_update(user=role_users["owner"], standard=standards[3], values={"generations": 1})


def test_a_past_year_is_judged_as_things_stood_at_its_end(orgs, standards, role_users):
    """FY2020: answered with a weekly backup (not compliant); FY2021: fixed. The FY2020 value stays."""
    at = lambda d: timezone.make_aware(datetime.datetime(*d, 10))  # noqa: E731
    with change_context(at=at((2015, 4, 1))):
        s = make_system(orgs["税務課"], number="S-HIST", integrity=2, availability=2)
    with change_context(at=at((2020, 6, 1))):
        p = BackupPractice.objects.create(
            system=s,
            frequency=BackupFrequency.WEEKLY,
            generations=3,
            offsite_location="DC",
            last_restore_test=datetime.date(2020, 5, 1),
        )
    with change_context(at=at((2021, 6, 1))):
        p.frequency = BackupFrequency.DAILY
        p.last_restore_test = datetime.date(2021, 5, 20)
        p.save()
    assert kpi_values.kpi_backup_compliance(2019)["value"] is None  # nobody had answered yet
    fy2020 = kpi_values.kpi_backup_compliance(2020)
    assert fy2020["value"] == 0 and fy2020["figures"]["unmet_by_requirement"] == {"frequency": 1}
    fy2021 = kpi_values.kpi_backup_compliance(2021)
    assert fy2021["value"] == 100 and [r["id"] for r in fy2021["records"]] == [s.pk]
    # FY2024: the restore test of 2021-05-20 is more than 24 months old by 2025-03-31.
    assert kpi_values.kpi_backup_compliance(2024)["figures"]["unmet_by_requirement"] == {"restore_test": 1}
