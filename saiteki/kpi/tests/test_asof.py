"""The as-of ledger against hand-built histories (create, change, move between divisions, delete)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saiteki.ledger.asof import ledger_as_of, snapshots_as_of
from saiteki.ledger.models import Server, System
from saiteki.ledger.tests.factories import make_server, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(orgs, dated):
    """A: created 2010 on-premise in 税務課, to the shared platform 2012, moved to 教育政策課 2014.
    B: created 2011 on cloud, deleted 2013. C: created 2015. D: created 2010, retired 2013."""
    with dated(2010, 4, 1):
        a = make_system(orgs["税務課"], number="A", name="甲", hosting_form="onprem")
        d = make_system(orgs["税務課"], number="D", name="丁")
    with dated(2011, 6, 1):
        b = make_system(orgs["情報政策課"], number="B", name="乙", hosting_form="commercial_cloud")
    with dated(2012, 10, 1):
        a.hosting_form = "shared_platform"
        a.save()
    b_id = b.pk
    with dated(2013, 7, 1):
        b.delete()
        d.status = "retired"
        d.save()
    with dated(2014, 5, 1):
        a.owning_division = orgs["教育政策課"]
        a.save()
    with dated(2015, 4, 1):
        c = make_system(orgs["県立図書館"], number="C", name="丙")
    return {"a": a, "b_id": b_id, "c": c, "d": d}


def test_before_anything_the_ledger_is_empty(history):
    assert len(ledger_as_of(dt.date(2009, 3, 31))) == 0


def test_create_change_and_delete(history, orgs):
    l2011 = ledger_as_of(dt.date(2011, 12, 31))
    assert sorted(s.number for s in l2011) == ["A", "B", "D"]
    assert l2011.systems[history["a"].pk].hosting_form == "onprem"
    assert l2011.systems[history["b_id"]].on_cloud
    l2013 = ledger_as_of(dt.date(2013, 3, 31))
    assert l2013.systems[history["a"].pk].on_shared_platform
    assert sorted(s.number for s in l2013) == ["A", "B", "D"]
    l2014 = ledger_as_of(dt.date(2014, 3, 31))
    assert sorted(s.number for s in l2014) == ["A", "D"]  # B deleted in 2013
    assert [s.number for s in l2014.in_operation()] == ["A"]  # D retired
    assert l2014.systems[history["a"].pk].owning_division == orgs["税務課"].pk


def test_move_between_divisions(history, orgs):
    before = ledger_as_of(dt.date(2014, 4, 30))
    after = ledger_as_of(dt.date(2014, 5, 1))  # a date is the end of that day: the move counts
    assert before.systems[history["a"].pk].owning_division == orgs["税務課"].pk
    assert after.systems[history["a"].pk].owning_division == orgs["教育政策課"].pk
    assert [s.number for s in after.filter(division_ids=[orgs["税務課"].pk])] == ["D"]
    assert [s.number for s in after.filter(division_ids=[orgs["教育政策課"].pk])] == ["A"]


def test_today_is_the_live_ledger(history):
    live = ledger_as_of(dt.date.today() + dt.timedelta(days=1))
    assert live.live
    assert sorted(s.number for s in live) == sorted(System.objects.values_list("number", flat=True))
    rebuilt = ledger_as_of(dt.date(2020, 1, 1))
    assert not rebuilt.live
    assert {s.id: (s.owning_division, s.hosting_form, s.status) for s in rebuilt} == {
        s.pk: (s.owning_division_id, s.hosting_form, s.status) for s in System.objects.all()
    }


def test_joint_municipalities_and_servers_as_of(orgs, dated):
    from saiteki.ledger.models import Municipality

    m1 = Municipality.objects.create(code="330001", name="岡山市")
    m2 = Municipality.objects.create(code="330002", name="倉敷市")
    with dated(2012, 4, 1):
        s = make_system(orgs["税務課"], number="J")
        s.joint_municipalities.set([m1])
        server = make_server([s], name="sv-j")
    with dated(2016, 4, 1):
        s.joint_municipalities.add(m2)
        server.location = "外部データセンター"
        server.save()
    assert ledger_as_of(dt.date(2013, 1, 1)).systems[s.pk].joint_municipalities == [m1.pk]
    assert ledger_as_of(dt.date(2017, 1, 1)).systems[s.pk].joint_municipalities == sorted([m1.pk, m2.pk])
    old = ledger_as_of(dt.date(2013, 1, 1)).servers()
    assert old[server.pk]["systems"] == [s.pk] and old[server.pk]["location"] != "外部データセンター"
    assert ledger_as_of(dt.date(2017, 1, 1)).servers()[server.pk]["location"] == "外部データセンター"
    assert snapshots_as_of(Server, ledger_as_of(dt.date(2011, 1, 1)).at) == {}


def test_one_query_for_the_whole_ledger(orgs, dated):
    with dated(2012, 4, 1):
        for i in range(30):
            make_system(orgs["税務課"], number=f"Q{i:02d}")
    with CaptureQueriesContext(connection) as ctx:
        ledger = ledger_as_of(dt.date(2013, 3, 31))
    assert len(ledger) == 30
    assert len([q for q in ctx.captured_queries if "objectchange" in q["sql"]]) == 1
    assert len(ctx.captured_queries) <= 2  # content type (cached after the first) + the change log
