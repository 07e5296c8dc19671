"""The reconciliation on the database: consumption aggregated in SQL by every metric, downgrade rights,
licences that do not count (disposed, expired, another metric), stored runs compared with the previous
one, the API's by-title and by-division figures, and the inbox notices of the scheduled job."""

from __future__ import annotations

import datetime

import pytest

from saiteki.core.context import change_context
from saiteki.core.models import Notification
from saiteki.sam import notices, selectors, services
from saiteki.sam.choices import DeviceKind, DeviceStatus, EntitlementType, LicenceState, Metric
from saiteki.sam.models import Device, ReconciliationRow, SoftwareName, Title, UsagePeak

from .conftest import make_device, make_entitlement, make_title

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def install(device: Device, raw: str, version: str = "1.0") -> None:
    """Put a program on a device as a scan would (name matched through the services)."""
    from saiteki.sam.models import Scan

    scan = Scan.objects.first() or Scan.objects.create(file_name="t.csv")
    ids, _n = services.names_resolve([raw], create=True)
    services.installations_insert([(device.pk, ids[raw], raw, version, None, scan.pk, True)])


def figures(user=None):
    run = selectors.latest_run()
    assert run is not None
    return {f.title.name: f for f in selectors.run_by_title(run=run, user=user, with_divisions=True)}


def test_per_device_with_downgrade_rights(sam_world, role_users):
    w = sam_world
    for d in w["tax"]:
        install(d, "Microsoft Office Professional Plus 2016")
    install(w["tax"][0], "Microsoft Office Professional Plus 2019 - ja-jp")
    install(w["lib"][0], "Microsoft Office Professional Plus 2019")
    with change_context(reason="t"):
        make_entitlement(w["office19"], w["orgs"]["税務課"], 3, number="E1", downgrade=True)
        make_entitlement(w["office19"], w["orgs"]["県立図書館"], 1, number="E2")
    services.reconciliation_run(user=role_users["admin"])
    f = figures(role_users["admin"])
    new, old = f["Office Professional Plus 2019"], f["Office Professional Plus 2016"]
    # 税務課: 3 licences of 2019 with downgrade rights: 1 used for 2019, 2 cover 2016; 1 of 2016 short.
    assert (new.entitled, new.consumed, new.shortfall, new.surplus) == (4, 2, 0, 0)
    assert (old.consumed, old.downgrade_in, old.shortfall) == (3, 2, 1)
    tax_old = next(r for r in old.by_division if r.division.name == "税務課")
    assert tax_old.downgrade_in == 2 and tax_old.shortfall == 1


def test_per_user_counts_people_not_devices(orgs, role_users):
    with change_context(reason="t"):
        m365 = make_title(
            "Microsoft 365 Apps", "Microsoft 365 Apps", edition="for enterprise", metric=Metric.USER
        )
        a = make_device("a", orgs["税務課"], user_code="K1")
        b = make_device("b", orgs["税務課"], user_code="K1")  # the same person's second PC
        c = make_device("c", orgs["税務課"])  # shared PC: counts as itself
        Device.objects.filter(pk=c.pk).update(scanned_user="")
        make_entitlement(
            m365,
            None,
            1,
            number="U1",
            kind=EntitlementType.SUBSCRIPTION,
            term_end=TODAY + datetime.timedelta(days=200),
        )
    for d in (a, b, c):
        install(d, "Microsoft 365 Apps for enterprise - ja-jp")
    services.reconciliation_run()
    f = figures(role_users["admin"])["Microsoft 365 Apps"]
    assert (f.consumed, f.devices, f.entitled, f.shortfall) == (2, 3, 1, 1)


def test_per_core_counts_cores(orgs, role_users):
    with change_context(reason="t"):
        sql = make_title(
            "SQL Server Standard 2019", "SQL Server", edition="Standard", version="2019", metric=Metric.CORE
        )
        s1 = make_device("db-1", orgs["税務課"], kind=DeviceKind.SERVER, cores=16)
        s2 = make_device("db-2", orgs["税務課"], kind=DeviceKind.SERVER, cores=0)  # unknown: at least one
        make_entitlement(sql, orgs["税務課"], 8, number="C1", unit_cost=200_000)
    install(s1, "Microsoft SQL Server 2019 Standard")
    install(s2, "Microsoft SQL Server 2019 Standard")
    services.reconciliation_run()
    f = figures(role_users["admin"])["SQL Server Standard 2019"]
    assert (f.consumed, f.shortfall, f.cost_to_comply) == (17, 9, 1_800_000)


def test_concurrent_uses_the_peak_else_estimates(orgs, role_users):
    with change_context(reason="t"):
        gis = make_title("ArcGIS Desktop 10.8", "ArcGIS Desktop", version="10.8", metric=Metric.CONCURRENT)
        devices = [make_device(f"g{i}", orgs["県立図書館"]) for i in range(5)]
        make_entitlement(gis, orgs["県立図書館"], 2, number="G1")
    for d in devices:
        install(d, "ArcGIS Desktop 10.8")
    services.reconciliation_run()
    f = figures(role_users["admin"])["ArcGIS Desktop 10.8"]
    assert (f.consumed, f.shortfall, f.estimated) == (5, 3, True)
    with change_context(reason="t"):
        UsagePeak.objects.create(title=gis, division=orgs["県立図書館"], peak=2, measured_on=TODAY)
    services.reconciliation_run()
    f = figures(role_users["admin"])["ArcGIS Desktop 10.8"]
    assert (f.consumed, f.shortfall, f.estimated, f.devices) == (2, 0, False, 5)


def test_site_licence_covers_everyone(orgs, role_users):
    with change_context(reason="t"):
        site = make_title("ウイルスバスター", "ウイルスバスター", metric=Metric.SITE)
        devices = [make_device(f"s{i}", orgs["税務課" if i % 2 else "県立図書館"]) for i in range(6)]
        make_entitlement(site, None, 1, number="S1", kind=EntitlementType.VOLUME)
    for d in devices:
        install(d, "ウイルスバスター コーポレートエディション XG")
    services.reconciliation_run()
    f = figures(role_users["admin"])["ウイルスバスター"]
    assert (f.consumed, f.entitled, f.shortfall, f.surplus) == (6, 6, 0, 0)


def test_what_does_not_count(sam_world, role_users):
    w = sam_world
    for d in w["tax"]:
        install(d, "AutoCAD LT 2022")
    Device.objects.filter(pk=w["tax"][2].pk).update(status=DeviceStatus.DISPOSED)
    with change_context(reason="t"):
        disposed = make_entitlement(w["cad"], w["orgs"]["税務課"], 5, number="X1")
        expired = make_entitlement(
            w["cad"],
            w["orgs"]["税務課"],
            5,
            number="X2",
            kind=EntitlementType.SUBSCRIPTION,
            term_end=TODAY - datetime.timedelta(days=1),
            purchased_on=TODAY - datetime.timedelta(days=366),
        )
        current = make_entitlement(w["cad"], w["orgs"]["税務課"], 1, number="X3")
    from saiteki.core import workflow

    workflow.transition_run(obj=disposed, name="dispose", user=role_users["admin"], comment="売却")
    assert expired.pk and current.pk
    services.reconciliation_run()
    f = figures(role_users["admin"])["AutoCAD LT 2022"]
    assert (f.consumed, f.entitled, f.shortfall, f.cost_to_comply) == (2, 1, 1, 60_000)
    # A title that is not licensable (free software) is not reconciled at all.
    Title.objects.filter(pk=w["cad"].pk).update(licensable=False)
    services.reconciliation_run()
    assert "AutoCAD LT 2022" not in figures(role_users["admin"])


def test_runs_are_stored_and_compared(sam_world, role_users):
    w = sam_world
    install(w["tax"][0], "AutoCAD LT 2022")
    first = services.reconciliation_run()
    install(w["tax"][1], "AutoCAD LT 2022")
    second = services.reconciliation_run()
    assert selectors.previous_run(second) == first
    f = figures(role_users["admin"])["AutoCAD LT 2022"]
    assert (f.shortfall, f.previous_shortfall, f.shortfall_change) == (2, 1, 1)
    assert ReconciliationRow.objects.filter(run=first).get().shortfall == 1  # the first run is unchanged
    assert second.sql_seconds > 0 and second.seconds >= second.sql_seconds


def test_mapping_a_name_recounts_at_once(sam_world, role_users):
    w = sam_world
    install(w["tax"][0], "ＡＵＴＯＣＡＤ　ＬＩＴＥ　２０２２")  # no title matches this spelling
    name = SoftwareName.objects.get()
    assert name.title is None and name.method == "none"
    with change_context(reason="t"):
        services.name_map(user=role_users["admin"], name=name, title=w["cad"], create_rule=True)
    services.reconciliation_run()
    assert figures(role_users["admin"])["AutoCAD LT 2022"].consumed == 1
    # The rule maps the same written form in the next scan too.
    assert services.matcher_get().match("AutoCAD Lite 2022").title == w["cad"].pk


def test_api_by_division_sums_equal_the_title(sam_world, role_users, api_client):
    w = sam_world
    for d in w["tax"] + w["lib"]:
        install(d, "Microsoft Office Professional Plus 2019")
    install(w["lib"][1], "AutoCAD LT 2022")
    with change_context(reason="t"):
        make_entitlement(w["office19"], None, 2, number="P1")
        make_entitlement(w["office19"], w["orgs"]["県立図書館"], 1, number="P2")
        make_entitlement(w["cad"], w["orgs"]["税務課"], 2, number="P3")
    services.reconciliation_run()
    for role in ("admin", "owner", "viewer"):
        api_client.force_authenticate(role_users[role])
        body = api_client.get("/api/v1/sam/reconciliation/").json()
        assert body["titles"], role
        for t in body["titles"]:
            for key in ("entitled", "consumed", "shortfall", "surplus", "cost_to_comply"):
                assert t[key] == sum(r[key] for r in t["by_division"]), (role, t["name"], key)
    api_client.force_authenticate(role_users["admin"])
    office = next(
        t
        for t in api_client.get("/api/v1/sam/reconciliation/").json()["titles"]
        if t["name"].startswith("Office")
    )
    assert (office["entitled"], office["consumed"], office["shortfall"], office["surplus"]) == (3, 5, 2, 0)
    # The owner (税務課) sees only their 所属's rows: 3 used, 2 from the pool, 1 short.
    api_client.force_authenticate(role_users["owner"])
    mine = api_client.get("/api/v1/sam/reconciliation/").json()["titles"]
    office = next(t for t in mine if t["name"].startswith("Office"))
    assert [r["division_name"] for r in office["by_division"]] == ["税務課"]
    assert (office["consumed"], office["entitled"], office["shortfall"]) == (3, 2, 1)


def test_daily_job_notifies_new_shortfalls_and_expiries_once(
    sam_world, role_users, django_capture_on_commit_callbacks
):
    w = sam_world
    install(w["tax"][0], "AutoCAD LT 2022")
    with change_context(reason="t"):
        make_entitlement(
            w["office19"],
            w["orgs"]["税務課"],
            1,
            number="SUB1",
            kind=EntitlementType.SUBSCRIPTION,
            term_end=TODAY + datetime.timedelta(days=20),
            purchased_on=TODAY - datetime.timedelta(days=300),
        )
    with django_capture_on_commit_callbacks(execute=True):
        result = notices.daily()
    assert result["shortfall_notices"] == 1 and result["expiry_notices"] == 1
    owner = role_users["owner"]
    kinds = sorted(Notification.objects.filter(recipient=owner).values_list("kind", flat=True))
    assert kinds == ["sam.expiry", "sam.shortfall"]
    assert "AutoCAD LT 2022" in Notification.objects.get(recipient=owner, kind="sam.shortfall").message
    # The next morning: same shortfall, same expiry → nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        again = notices.daily()
    assert again["shortfall_notices"] == 0 and again["expiry_notices"] == 0
    assert Notification.objects.filter(recipient=owner).count() == 2
    # Nobody else's inbox: the other 所属 has no shortfall and no licence ending.
    assert not Notification.objects.exclude(recipient=owner).filter(kind="sam.expiry").exists()


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_runs_from_the_scheduler(orgs, monkeypatch):
    from django.utils import timezone

    from saiteki.core.models import Job
    from saiteki.core.registry import registry
    from saiteki.core.scheduler import scheduler_tick
    from saiteki.core.testing import run_pending_tasks

    # Other apps declare schedules too: run this app's alone.
    monkeypatch.setattr(registry, "schedules", {"sam.daily": registry.schedules["sam.daily"]})
    with change_context(reason="t"):
        cad = make_title("AutoCAD LT 2022", "AutoCAD", edition="LT", version="2022")
        device = make_device("tax-9", orgs["税務課"])
    install(device, "AutoCAD LT 2022")
    runs = scheduler_tick(now=timezone.now())
    assert [r.schedule for r in runs] == ["sam.daily"]
    run_pending_tasks()
    job = Job.objects.filter(kind="sam.daily").get()
    assert job.status == Job.Status.SUCCEEDED, job.error
    run = selectors.latest_run()
    assert run is not None and ReconciliationRow.objects.get(run=run, title=cad).shortfall == 1
    assert job.result["shortfall"] == 1


def test_licence_lifecycle_history(sam_world, role_users):
    from saiteki.core import workflow

    with change_context(reason="t"):
        e = make_entitlement(sam_world["cad"], sam_world["orgs"]["税務課"], 2, number="LC1")
    owner = role_users["owner"]
    for name in ("assign", "install", "renew", "uninstall"):
        e = workflow.transition_run(obj=e, name=name, user=owner, comment=name)
    e = workflow.transition_run(obj=e, name="dispose", user=owner, comment="リース返却")
    history = workflow.transition_history(e)
    assert [h.target for h in history] == ["assigned", "installed", "updated", "uninstalled", "disposed"]
    assert history[-1].comment == "リース返却" and history[-1].user_name == "t-owner"
    assert e.state == LicenceState.DISPOSED
