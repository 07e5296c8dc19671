"""The demo prefecture matches the Okayama plan's figures and loads idempotently."""

import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from saiteki.accounts.models import User
from saiteki.ledger.models import Cost, Server, System

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
        yield
        # Module-scoped data: remove it so other modules start from an empty database.
        from django.core.management import call_command as cc

        cc("flush", interactive=False, verbosity=0)


def test_okayama_table_of_202_systems(demo):
    by_bureau = Counter(System.objects.values_list("owning_division__parent__name", flat=True))
    assert System.objects.count() == 202
    assert [
        by_bureau[name]
        for name in [
            "危機管理監・総務部・総合政策局",
            "県民生活部",
            "環境文化部",
            "保健福祉部",
            "産業労働部",
            "農林水産部",
            "土木部",
            "出納局",
            "諸局・県民局",
            "企業局",
            "教育庁",
        ]
    ] == [27, 38, 16, 36, 3, 13, 27, 11, 3, 7, 21]


def test_shared_platform_and_cloud(demo):
    # As of FY2013's end (later years' moves are dated changes of the KPI demo): Okayama's 74 and 3.
    from saiteki.ledger.asof import ledger_as_of

    baseline = ledger_as_of(datetime.date(2014, 3, 31))
    assert len(baseline) == 202
    assert sum(s.on_shared_platform for s in baseline) == 74 and sum(s.on_cloud for s in baseline) == 3
    assert System.objects.filter(hosting_form="shared_platform").count() >= 74
    vms = Server.objects.filter(kind="virtual", name__startswith="vm-")  # the platform's, not the planner's
    assert vms.count() == 115
    assert vms.values("host").distinct().count() == 14
    assert (
        System.objects.filter(hosting_form__in=["commercial_cloud", "gov_cloud", "private_cloud"]).count()
        >= 3
    )
    assert not Server.objects.filter(
        kind="physical", systems__hosting_form="onprem", maintenance_end__isnull=True
    ).exists()


def test_servers_have_the_history_of_their_systems(demo):
    """Servers are dated like their systems (not on the demo load date): before the platform was built
    every system ran on its own physical server; by FY2013's end the 74 systems had moved and their
    115 servers were VMs on the 14 hosts — the as-of ledger of each year shows the servers as they were."""
    from django.db.models import Q

    from saiteki.ledger.asof import ledger_as_of

    loaded = set(
        Server.objects.filter(
            Q(name__startswith="VH-") | Q(name__startswith="vm-s") | Q(name__startswith="sv-s")
        ).values_list("name", flat=True)
    )
    before = ledger_as_of(datetime.date(2009, 11, 30)).server_list()
    assert before and all(s.kind == "physical" and s.systems for s in before)
    assert not [s for s in before if s.name.startswith(("VH-", "vm-"))]
    fy2013 = {s.name: s for s in ledger_as_of(datetime.date(2014, 3, 31)).server_list()}
    assert loaded <= set(fy2013)
    vms = [s for s in fy2013.values() if s.kind == "virtual"]
    assert len(vms) == 115 and {s.host for s in vms} == {f"VH-{h:02d}" for h in range(1, 15)}
    assert all(x.on_shared_platform for s in vms for x in s.systems)
    assert all(s.systems for s in fy2013.values() if s.name.startswith("sv-s"))


def test_recurring_cost_falls_30_percent_to_fy2014_then_level(demo):
    from django.db.models import Sum

    from saiteki.ledger.choices import RUN_CATEGORIES

    def run_total(fy):
        return Cost.objects.filter(fiscal_year=fy, stage="budget", category__in=RUN_CATEGORIES).aggregate(
            t=Sum("amount")
        )["t"]

    drop_2014 = 1 - run_total(2014) / run_total(2008)
    drop_2020 = 1 - run_total(2020) / run_total(2008)
    assert 0.27 <= drop_2014 <= 0.33 and 0.27 <= drop_2020 <= 0.33


def test_api_counts_for_admin_and_owner(demo):
    client = APIClient()
    client.force_authenticate(User.objects.get(username="demo-admin"))
    assert client.get("/api/v1/ledger/systems/").json()["count"] == 202
    owner = User.objects.get(username="demo-owner")
    client.force_authenticate(owner)
    own = System.objects.filter(owning_division__name="税務課").count()
    assert own >= 3 and client.get("/api/v1/ledger/systems/").json()["count"] == own


def test_load_demo_twice_does_not_duplicate(demo):
    before = (System.objects.count(), Server.objects.count(), Cost.objects.count(), User.objects.count())
    call_command("load_demo", verbosity=0)
    assert (
        System.objects.count(),
        Server.objects.count(),
        Cost.objects.count(),
        User.objects.count(),
    ) == before
