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


@pytest.fixture
def platform_move(orgs, dated):
    """税務課's system T with its own server from 2010; the platform host from 2011; in 2012 the system
    moves to the platform and its server becomes a VM there. 教育政策課's system U from 2013."""
    from saiteki.ledger.models import Server

    with dated(2010, 4, 1):
        t = make_system(orgs["税務課"], number="T", name="徴収", hosting_form="onprem")
        sv = make_server([t], name="sv-t-1", kind="physical", location="本庁舎サーバ室")
    with dated(2011, 4, 1):
        host = Server.objects.create(name="VH-01", kind="physical", location="県庁情報センター")
    with dated(2012, 10, 1):
        t.hosting_form = "shared_platform"
        t.save()
        sv.name, sv.kind, sv.host, sv.location = "vm-t-1", "virtual", host, "県庁情報センター"
        sv.save()
    with dated(2013, 4, 1):
        u = make_system(orgs["教育政策課"], number="U", name="学籍")
        make_server([u], name="sv-u-1", kind="physical")
    return {"t": t, "server": sv, "host": host}


def test_server_list_as_of_follows_the_moves(platform_move):
    assert ledger_as_of(dt.date(2010, 1, 1)).server_list() == []
    l2010 = ledger_as_of(dt.date(2010, 12, 31)).server_list()
    assert [(s.name, s.kind, s.host, [x.number for x in s.systems]) for s in l2010] == [
        ("sv-t-1", "physical", "", ["T"])
    ]
    l2012 = {s.name: s for s in ledger_as_of(dt.date(2012, 12, 31)).server_list()}
    assert sorted(l2012) == ["VH-01", "vm-t-1"]
    assert (l2012["vm-t-1"].kind, l2012["vm-t-1"].host, l2012["vm-t-1"].location) == (
        "virtual",
        "VH-01",
        "県庁情報センター",
    )
    live = ledger_as_of(dt.date.today() + dt.timedelta(days=1)).server_list()
    assert sorted(s.name for s in live) == ["VH-01", "sv-u-1", "vm-t-1"]


def test_server_list_as_of_is_scoped_to_the_divisions_systems(platform_move, orgs):
    ledger = ledger_as_of(dt.date(2014, 3, 31))
    assert [s.name for s in ledger.server_list(division_ids=[orgs["税務課"].pk])] == ["vm-t-1"]
    assert [s.name for s in ledger.server_list(division_ids=[orgs["教育政策課"].pk])] == ["sv-u-1"]
    assert [s.name for s in ledger.server_list(q="学籍")] == ["sv-u-1"]


def test_as_of_page_lists_servers_for_the_date(platform_move, client, role_users):
    from django.urls import reverse

    client.force_login(role_users["admin"])
    url = reverse("kpi:ledger_as_of")
    page = client.get(url, {"as_of": "2012-03-31", "show": "servers"}).content.decode()
    assert ">sv-t-1</a>" in page and ">vm-t-1</a>" not in page and 'data-testid="as-of-server-table"' in page
    page = client.get(url, {"as_of": "平成25年3月31日", "show": "servers"}).content.decode()
    assert ">vm-t-1</a>" in page and ">VH-01</a>" in page and ">sv-u-1</a>" not in page
    # The server list leads there with the date chosen.
    listing = client.get(reverse("ledger:server_list")).content.decode()
    assert 'name="show" value="servers"' in listing and reverse("kpi:ledger_as_of") in listing


def test_as_of_server_page_of_an_owner_shows_only_their_divisions_servers(platform_move, client, role_users):
    from django.urls import reverse

    client.force_login(role_users["owner"])  # 税務課
    page = client.get(
        reverse("kpi:ledger_as_of"), {"as_of": "2014-03-31", "show": "servers"}
    ).content.decode()
    # Its own VM (with the host's name in the host column), neither the host nor another division's server.
    assert ">vm-t-1</a>" in page and ">sv-u-1</a>" not in page and ">VH-01</a>" not in page
