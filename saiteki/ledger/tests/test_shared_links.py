"""Shared servers and contracts (issue 8, "Owners can strip other divisions' links").

One rule for forms and API: an owner's write never touches another division's links; an owner cannot
delete what other divisions use, attach a component to another division's server, or create a server
with no system; every change is linked to every system it affected, before and after.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from saiteki.core.models import ObjectChange
from saiteki.ledger import services
from saiteki.ledger.models import Component, Contract, Server, System
from saiteki.ledger.tests.factories import ContractFactory, ServerFactory, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(orgs):
    own = make_system(orgs["税務課"], name="県税総合システム")
    own2 = make_system(orgs["税務課"], name="自動車税システム")
    other = make_system(orgs["県立図書館"], name="図書館業務システム")
    server = ServerFactory(name="shared-srv", systems=[own, other])
    contract = ContractFactory(number="C-SHARED", systems=[own, other])
    return {"own": own, "own2": own2, "other": other, "server": server, "contract": contract}


def _linked_systems(obj) -> list[set[int]]:
    """For each change row of ``obj``, the ids of the systems whose history shows it."""
    ct = ContentType.objects.get_for_model(obj)
    system_ct = ContentType.objects.get_for_model(System)
    return [
        {link.object_id for link in change.links.all() if link.content_type_id == system_ct.pk}
        for change in ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("id")
    ]


def _system_ids(obj) -> set[int]:
    return set(obj.systems.values_list("pk", flat=True))


# --- API ---------------------------------------------------------------------------------------------

LINK_CASES = [
    # (role, kind, requested systems, expected status, expected links after)
    ("owner", "server", ["own"], 200, {"own", "other"}),
    ("owner", "contract", ["own"], 200, {"own", "other"}),
    ("owner", "server", ["own2"], 200, {"own2", "other"}),
    ("owner", "server", ["own", "other"], 200, {"own", "other"}),  # echoing back what was read
    ("admin", "server", ["own"], 200, {"own"}),
    ("admin", "contract", ["own"], 200, {"own"}),
]


@pytest.mark.parametrize(("role", "kind", "requested", "status", "after"), LINK_CASES)
def test_api_patch_keeps_other_divisions_links(
    api_client, role_users, shared, role, kind, requested, status, after
):
    obj = shared[kind]
    api_client.force_authenticate(role_users[role])
    url = f"/api/v1/ledger/{kind}s/{obj.pk}/"
    r = api_client.patch(url, {"systems": [shared[n].pk for n in requested]}, format="json")
    assert r.status_code == status, r.content
    assert _system_ids(obj) == {shared[n].pk for n in after}
    if role == "admin":
        # The link removed by the admin shows on the other system's history too (before and after).
        assert shared["other"].pk in _linked_systems(obj)[-1]
    else:
        assert _linked_systems(obj)[-1] >= {shared[n].pk for n in after}


def test_api_owner_cannot_add_another_divisions_system(api_client, role_users, shared, orgs):
    third = make_system(orgs["教育政策課"])
    api_client.force_authenticate(role_users["owner"])
    r = api_client.patch(
        f"/api/v1/ledger/servers/{shared['server'].pk}/",
        {"systems": [shared["own"].pk, third.pk]},
        format="json",
    )
    assert r.status_code == 400 and "systems" in r.json()["error"]["fields"]
    assert _system_ids(shared["server"]) == {shared["own"].pk, shared["other"].pk}


def test_api_owner_cannot_delete_shared_server_or_contract(api_client, role_users, shared):
    api_client.force_authenticate(role_users["owner"])
    for kind in ("server", "contract"):
        r = api_client.delete(f"/api/v1/ledger/{kind}s/{shared[kind].pk}/")
        assert r.status_code == 403, kind
        body = r.json()["error"]
        assert body["code"] == "shared_object" and "他の所属" in body["message"]
    assert Server.objects.filter(pk=shared["server"].pk).exists()
    assert Contract.objects.filter(pk=shared["contract"].pk).exists()
    # Their own, unshared server they may delete.
    mine = ServerFactory(systems=[shared["own"]])
    assert api_client.delete(f"/api/v1/ledger/servers/{mine.pk}/").status_code == 204


def test_api_admin_deletes_shared_server(api_client, role_users, shared):
    api_client.force_authenticate(role_users["admin"])
    assert api_client.delete(f"/api/v1/ledger/servers/{shared['server'].pk}/").status_code == 204


def test_api_owner_cannot_create_server_without_system(api_client, role_users, shared):
    api_client.force_authenticate(role_users["owner"])
    r = api_client.post("/api/v1/ledger/servers/", {"name": "orphan", "systems": []}, format="json")
    assert r.status_code in (400, 403)
    assert not Server.objects.filter(name="orphan").exists()
    r = api_client.post(
        "/api/v1/ledger/servers/", {"name": "mine", "systems": [shared["own"].pk]}, format="json"
    )
    assert r.status_code == 201, r.content


def test_api_owner_cannot_attach_component_to_another_divisions_server(api_client, role_users, shared):
    theirs = ServerFactory(name="their-srv", systems=[shared["other"]])
    api_client.force_authenticate(role_users["owner"])
    r = api_client.post(
        "/api/v1/ledger/components/",
        {"system": shared["own"].pk, "server": theirs.pk, "product": "Oracle"},
        format="json",
    )
    assert r.status_code == 400 and "server" in r.json()["error"]["fields"]
    assert not Component.objects.filter(product="Oracle").exists()
    r = api_client.post(
        "/api/v1/ledger/components/",
        {"system": shared["own"].pk, "server": shared["server"].pk, "product": "PostgreSQL"},
        format="json",
    )
    assert r.status_code == 201


# --- Forms -------------------------------------------------------------------------------------------


def _server_form(server, systems, **extra):
    return {
        "name": server.name,
        "kind": server.kind,
        "vcpu": server.vcpu,
        "memory_gib": server.memory_gib,
        "storage_gib": server.storage_gib,
        "systems": [s.pk for s in systems],
        "version": server.version,
        **extra,
    }


@pytest.mark.parametrize(("role", "after"), [("owner", {"own2", "other"}), ("admin", {"own2"})])
def test_form_save_keeps_other_divisions_links_and_links_history(client, role_users, shared, role, after):
    server = shared["server"]
    client.force_login(role_users[role])
    r = client.post(reverse("ledger:server_edit", args=[server.pk]), _server_form(server, [shared["own2"]]))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert _system_ids(server) == {shared[n].pk for n in after}
    # The change shows on the history of every system it affected: the one removed too.
    assert _linked_systems(server)[-1] == {shared["own"].pk, shared["own2"].pk, shared["other"].pk}


def test_owner_form_dropdowns_list_only_own_division(client, role_users, shared):
    theirs = ServerFactory(name="their-host", systems=[shared["other"]])
    client.force_login(role_users["owner"])
    page = client.get(reverse("ledger:component_add")).content.decode()
    assert "shared-srv" in page and "their-host" not in page
    page = client.get(reverse("ledger:server_add")).content.decode()
    assert "図書館業務システム" not in page and "their-host" not in page
    assert theirs.pk


def test_owner_form_cannot_delete_shared_server(client, role_users, shared):
    client.force_login(role_users["owner"])
    url = reverse("ledger:server_delete", args=[shared["server"].pk])
    r = client.post(url)
    assert r.status_code == 403
    assert "他の所属" in r.content.decode()
    assert Server.objects.filter(pk=shared["server"].pk).exists()


def test_link_merge_service_is_the_one_rule(role_users, shared):
    """The import calls this too: an owner's request keeps other divisions' links."""
    merged = services.system_links_merge(
        user=role_users["owner"], obj=shared["contract"], requested=[shared["own2"].pk]
    )
    assert {s.pk for s in merged} == {shared["own2"].pk, shared["other"].pk}
    assert services.system_links_merge(user=role_users["admin"], obj=shared["contract"], requested=[]) == []


# --- Systems: owners propose 廃止, only DELETE_SYSTEMS deletes ---------------------------------------


def test_owner_cannot_delete_a_system_but_proposes_retirement(client, api_client, role_users, shared):
    own = shared["own"]
    api_client.force_authenticate(role_users["owner"])
    r = api_client.delete(f"/api/v1/ledger/systems/{own.pk}/")
    assert r.status_code == 403 and r.json()["error"]["code"] == "delete_systems"
    client.force_login(role_users["owner"])
    url = reverse("ledger:system_delete", args=[own.pk])
    assert "廃止の申出" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 400
    r = client.post(url, {"reason": "業務終了のため"})
    assert r.status_code == 302
    own.refresh_from_db()
    assert own.status == "retired"
    change = ObjectChange.objects.filter(
        object_id=own.pk, content_type=ContentType.objects.get_for_model(System)
    )
    assert change.latest("id").reason == "業務終了のため"
    assert System.objects.filter(pk=own.pk).exists()


def test_admin_deletes_a_system(client, role_users, orgs):
    system = make_system(orgs["税務課"])
    client.force_login(role_users["admin"])
    r = client.post(reverse("ledger:system_delete", args=[system.pk]), {"change_reason": "重複登録"})
    assert r.status_code == 302
    assert not System.objects.filter(pk=system.pk).exists()
