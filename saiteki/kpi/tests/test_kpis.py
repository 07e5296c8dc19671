"""Computed KPIs against hand-counted fixtures, the year-end close, drill-down and hand entries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from saiteki.core.errors import PermissionDeniedError, ValidationFailed
from saiteki.core.models import AuditEvent, JournalEntry
from saiteki.core.registry import registry
from saiteki.kpi import services
from saiteki.kpi.choices import KpiStatus
from saiteki.kpi.evaluation import judge
from saiteki.kpi.models import KpiDefinition, KpiValue, Plan
from saiteki.ledger.models import Municipality, System
from saiteki.ledger.tests.factories import make_cost, make_system

pytestmark = pytest.mark.django_db


def src(key):
    return registry.kpi_sources[key]


@pytest.fixture
def ledger(orgs, dated):
    """FY2013 end: 5 systems in operation (1 cloud, 2 shared), 1 retired on cloud; FY2014: one more to
    cloud. Joint use: 2 municipalities by FY2013, 3 by FY2014."""
    m = [
        Municipality.objects.create(code=f"33000{i}", name=n)
        for i, n in enumerate(["岡山市", "倉敷市", "津山市"])
    ]
    with dated(2012, 4, 1):
        s = [make_system(orgs["税務課"], number=f"K{i}", name=f"系{i}") for i in range(5)]
        s[0].hosting_form = "commercial_cloud"
        s[0].save()
        s[1].hosting_form = s[2].hosting_form = "shared_platform"
        s[1].save()
        s[2].save()
        s[1].joint_municipalities.set(m[:2])
        retired = make_system(orgs["教育政策課"], number="K9", hosting_form="gov_cloud", status="retired")
    with dated(2014, 8, 1):
        s[3].hosting_form = "gov_cloud"
        s[3].save()
        s[4].joint_municipalities.set([m[2]])
    return {"systems": s, "retired": retired, "municipalities": m}


def test_cloud_ratio_as_of_year_end(ledger):
    e = src("ledger.cloud_ratio").evidence(2013)
    assert e["value"] == Decimal("20.0")  # 1 of 5 in operation (the retired cloud system is not counted)
    assert [r["id"] for r in e["records"]] == [ledger["systems"][0].pk]
    assert (e["figures"]["numerator"], e["figures"]["denominator"]) == (1, 5)
    assert src("ledger.cloud_ratio").evidence(2014)["value"] == Decimal("40.0")


def test_virtualized_and_joint_use(ledger):
    e = src("ledger.virtualized_systems").evidence(2013)
    assert e["value"] == 2 and sorted(r["id"] for r in e["records"]) == sorted(
        s.pk for s in ledger["systems"][1:3]
    )
    assert src("ledger.joint_municipalities").evidence(2013)["value"] == 2
    e = src("ledger.joint_municipalities").evidence(2014)
    assert e["value"] == 3 and [r["label"] for r in e["records"]] == ["岡山市", "倉敷市", "津山市"]


def test_virtualized_servers_counts_vms_on_platform_hosts_as_of_year_end(orgs, dated):
    """Hand-built: a host with 2 VMs and 2 physical servers by FY2013's end; in FY2014 one physical
    server becomes a VM on the host (P2V), the other a cloud instance, and a new VM without a host
    (not the platform's) appears; in FY2015 a VM is deleted. Counted: 2, 3, 2."""
    from saiteki.ledger.models import Server

    with dated(2012, 4, 1):
        system = make_system(orgs["税務課"], number="K1", name="系1")
        host = Server.objects.create(name="VH-01", kind="physical")
        vm1 = Server.objects.create(name="vm-1", kind="virtual", host=host)
        Server.objects.create(name="vm-2", kind="virtual", host=host)
        p1 = Server.objects.create(name="sv-1", kind="physical")
        p2 = Server.objects.create(name="sv-2", kind="physical")
        for server in (vm1, p1, p2):
            server.systems.add(system)
    with dated(2014, 9, 1):
        p1.kind, p1.host = "virtual", host
        p1.save()
        p2.kind = "cloud"
        p2.save()
        Server.objects.create(name="vm-x", kind="virtual")
    with dated(2015, 6, 1):
        vm1.delete()
    source = src("ledger.virtualized_servers")
    e = source.evidence(2013)
    assert e["value"] == 2 and [r["label"] for r in e["records"]] == ["vm-1", "vm-2"]
    assert {r["detail"] for r in e["records"]} == {"VH-01"}
    figures = {k: v for k, v in e["figures"].items() if k != "as_of"}
    assert figures == {"virtual_servers": 2, "hosts": 1, "physical_servers": 2, "cloud_instances": 0}
    e = source.evidence(2014)
    assert [r["label"] for r in e["records"]] == ["sv-1", "vm-1", "vm-2"]
    assert (e["figures"]["physical_servers"], e["figures"]["cloud_instances"]) == (0, 1)
    assert source.compute(2015) == 2
    from saiteki.kpi import selectors

    assert source.compute(selectors.current_fiscal_year()) == 2  # today's ledger (live tables)


def test_recurring_cost_vs_fy2008(orgs):
    s = make_system(orgs["税務課"])
    make_cost(s, fiscal_year=2008, category="app_maintenance", amount=1_000_000)
    make_cost(s, fiscal_year=2008, category="design_dev", amount=9_000_000)  # a build cost: not recurring
    make_cost(s, fiscal_year=2014, category="app_maintenance", amount=700_000)
    make_cost(s, fiscal_year=2014, category="hw_lease", amount=0)
    e = src("ledger.recurring_cost_change").evidence(2014)
    assert e["value"] == Decimal("-30.0") and e["figures"]["baseline_total"] == 1_000_000
    assert src("ledger.recurring_cost_change").evidence(2015)["value"] is None


def test_support_cases_count_consultations_of_the_year(orgs):
    s = make_system(orgs["税務課"])
    ct = ContentType.objects.get_for_model(System)
    made = []
    for date, kind in [
        (dt.date(2015, 4, 1), "consultation"),
        (dt.date(2016, 3, 31), "consultation"),
        (dt.date(2016, 4, 1), "consultation"),  # next fiscal year
        (dt.date(2015, 6, 1), "incident"),  # not a 相談
    ]:
        made.append(
            JournalEntry.objects.create(content_type=ct, object_id=s.pk, kind=kind, date=date, title="t")
        )
    e = src("ledger.support_cases").evidence(2015)
    assert e["value"] == 2 and [r["id"] for r in e["records"]] == [made[0].pk, made[1].pk]


def test_judge_rules():
    assert judge(value=5, direction="higher", target_rule="value", target=5).status == KpiStatus.ACHIEVED
    assert judge(value=1, direction="lower", target_rule="value", target=0).status == KpiStatus.NOT_ACHIEVED
    assert (
        judge(value=None, direction="higher", target_rule="value", target=5).status == KpiStatus.UNDETERMINED
    )
    assert (
        judge(value=10, direction="higher", target_rule="up_on_previous", previous=10).status
        == KpiStatus.NOT_ACHIEVED
    )
    j = judge(value=77, direction="higher", target_rule="step", target_step=3, previous=74)
    assert j.status == KpiStatus.ACHIEVED and j.target == 77
    assert (
        judge(value=1, direction="higher", target_rule="step", target_step=3).status == KpiStatus.UNDETERMINED
    )


@pytest.fixture
def defs(db):
    plan = Plan.objects.create(code="p", name="計画", start_fy=2014, end_fy=2016)
    cloud = KpiDefinition.objects.create(
        code="cloud_ratio", name="クラウド", unit="%", target=5, plan=plan, source_key="ledger.cloud_ratio"
    )
    manual = KpiDefinition.objects.create(
        code="drills", name="訓練", unit="回", target=1, plan=plan, source_key="nobody.yet"
    )
    return cloud, manual


def test_close_freezes_value_and_evidence_while_live_moves(ledger, defs, role_users, dated):
    cloud, _manual = defs
    admin = role_users["admin"]
    services.fiscal_year_close(fiscal_year=2013, user=admin)
    frozen = KpiValue.objects.get(definition=cloud, fiscal_year=2013)
    assert frozen.closed and frozen.value == Decimal("20.00") and frozen.status == KpiStatus.ACHIEVED
    assert [r["id"] for r in frozen.evidence["records"]] == [ledger["systems"][0].pk]
    # A later change *dated* inside FY2013 (a correction) moves the live value but not the closed one.
    with dated(2013, 12, 1):
        s = ledger["systems"][4]
        s.hosting_form = "private_cloud"
        s.save()
    assert src("ledger.cloud_ratio").evidence(2013)["value"] == Decimal("40.0")
    services.kpi_values_refresh(fiscal_year=2013)
    frozen.refresh_from_db()
    assert frozen.value == Decimal("20.00") and frozen.evidence_count == 1
    # Re-open needs the right and a reason; it is audited; the next refresh moves the value.
    with pytest.raises(PermissionDeniedError):
        services.fiscal_year_reopen(fiscal_year=2013, user=role_users["viewer"], reason="訂正")
    with pytest.raises(ValidationFailed):
        services.fiscal_year_reopen(fiscal_year=2013, user=admin, reason=" ")
    services.fiscal_year_reopen(fiscal_year=2013, user=admin, reason="移行日の訂正")
    assert AuditEvent.objects.filter(kind="kpi_reopen", detail__reason="移行日の訂正").exists()
    assert AuditEvent.objects.filter(kind="kpi_close").exists()
    services.kpi_values_refresh(fiscal_year=2013)
    frozen.refresh_from_db()
    assert not frozen.closed and frozen.value == Decimal("40.00") and frozen.evidence_count == 2


def test_current_year_cannot_be_closed_and_only_admins_close(defs, role_users):
    from saiteki.core.fiscal import fiscal_year_of

    with pytest.raises(ValidationFailed):
        services.fiscal_year_close(fiscal_year=fiscal_year_of(dt.date.today()), user=role_users["admin"])
    with pytest.raises(PermissionDeniedError):
        services.fiscal_year_close(fiscal_year=2013, user=role_users["owner"])


def test_manual_entry_until_the_source_exists(defs, role_users):
    _cloud, manual = defs
    assert services.definition_kind(manual) == "manual"
    with pytest.raises(ValidationFailed):
        services.kpi_entry_set(
            definition=manual, fiscal_year=2014, value="1", evidence="", user=role_users["admin"]
        )
    services.kpi_entry_set(
        definition=manual, fiscal_year=2014, value="2", evidence="訓練記録", user=role_users["admin"]
    )
    v = KpiValue.objects.get(definition=manual, fiscal_year=2014)
    assert v.value == 2 and v.status == KpiStatus.ACHIEVED and v.evidence["entry"]["evidence"] == "訓練記録"
    services.fiscal_year_close(fiscal_year=2014, user=role_users["admin"])
    with pytest.raises(services.YearClosedError):
        services.kpi_entry_set(
            definition=manual, fiscal_year=2014, value="0", evidence="x", user=role_users["admin"]
        )


def test_stale_values_are_served_and_refreshed_once_in_the_background(
    ledger, defs, django_capture_on_commit_callbacks
):
    from saiteki.core.models import Job
    from saiteki.core.testing import run_pending_tasks
    from saiteki.kpi import selectors
    from saiteki.kpi.choices import JOB_REFRESH

    cloud, _manual = defs
    first = selectors.values_for_year(fiscal_year=2013, refresh_stale=True)  # never stored: computed now
    assert {v.definition_id: v.value for v in first}[cloud.pk] == Decimal("20.00")
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    KpiValue.objects.filter(fiscal_year=2013).update(computed_at=old)
    s = ledger["systems"][4]
    s.hosting_form = "private_cloud"  # today's change: the live FY2013 value does not move, FY2014's does
    s.save()
    KpiValue.objects.filter(fiscal_year=2013, definition=cloud).update(value=Decimal("99"))  # marks the read

    with django_capture_on_commit_callbacks(execute=True):  # the queue write commits with the request
        served = selectors.values_for_year(fiscal_year=2013, refresh_stale=True)
    assert {v.definition_id: v.value for v in served}[cloud.pk] == Decimal("99")  # stored, not recomputed
    with django_capture_on_commit_callbacks(execute=True):
        selectors.values_for_year(fiscal_year=2013, refresh_stale=True)  # a second stale read …
    jobs = Job.objects.filter(kind=JOB_REFRESH, params__fiscal_year=2013)
    assert jobs.count() == 1  # … does not queue a second refresh

    run_pending_tasks()
    value = KpiValue.objects.get(fiscal_year=2013, definition=cloud)
    assert value.value == Decimal("20.00") and value.computed_at > old
    assert jobs.get().status == Job.Status.SUCCEEDED
    assert not selectors.year_is_stale(2013)
