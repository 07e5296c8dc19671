"""Permission matrix for ledger objects: pages, API, export (SPEC §1). A system owner of one division can
neither see the edit form of nor PATCH a system of another division."""

import pytest
from django.urls import reverse

from saiteki.core.testing import ROLES, assert_matrix, statuses
from saiteki.ledger.models import Cost, Server, System
from saiteki.ledger.tests.factories import make_cost, make_server, make_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(orgs):
    own = make_system(orgs["税務課"], name="県税総合システム")
    other = make_system(orgs["県立図書館"], name="図書館業務システム")
    return {
        "own": own,
        "other": other,
        "own_server": make_server([own]),
        "other_server": make_server([other]),
        "own_cost": make_cost(own),
        "other_cost": make_cost(other),
    }


def test_page_matrix(client, role_users, ledger):
    own, other = ledger["own"].pk, ledger["other"].pk
    assert_matrix(
        client,
        role_users,
        {
            reverse("ledger:system_list"): statuses(200, 200, 200, 200, 200, 403),
            ledger["own"].get_absolute_url(): statuses(200, 200, 200, 200, 200, 404),
            ledger["other"].get_absolute_url(): statuses(200, 404, 200, 200, 200, 404),
            reverse("ledger:system_edit", args=[own]): statuses(200, 200, 403, 403, 403, 404),
            reverse("ledger:system_edit", args=[other]): statuses(200, 404, 403, 403, 403, 404),
            reverse("ledger:system_add"): statuses(200, 200, 403, 403, 403, 403),
            reverse("ledger:system_history", args=[own]): statuses(200, 200, 200, 403, 200, 404),
            reverse("ledger:system_costs", args=[other]): statuses(200, 404, 200, 200, 200, 404),
            reverse("ledger:system_list") + "?export=xlsx": statuses(200, 200, 200, 403, 200, 403),
            reverse("ledger:server_edit", args=[ledger["other_server"].pk]): statuses(
                200, 404, 403, 403, 403, 404
            ),
            reverse("ledger:server_list"): statuses(200, 200, 200, 200, 200, 403),
        },
    )


def test_owner_list_and_export_show_only_own_division(client, role_users, ledger):
    client.force_login(role_users["owner"])
    page = client.get(reverse("ledger:system_list")).content.decode()
    assert "県税総合システム" in page and "図書館業務システム" not in page
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(client.get(reverse("ledger:system_list") + "?export=xlsx").content))
    from saiteki.core.exporting.lists import LIST_HEADER_ROW  # title lines above the header

    names = [row[1] for row in wb.active.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True)]
    assert names == ["県税総合システム"]


def test_api_matrix(api_client, role_users, ledger, orgs):
    base = "/api/v1/ledger/systems/"
    own, other = ledger["own"], ledger["other"]
    counts = {}
    for role in ROLES:  # before any writes, so every role sees the same two systems
        api_client.force_authenticate(role_users[role])
        listing = api_client.get(base)
        counts[role] = listing.json()["count"] if listing.status_code == 200 else None
    assert counts == {"admin": 2, "owner": 1, "advisor": 2, "viewer": 2, "auditor": 2, "none": None}

    def create_in(division):
        def post(client, role):
            number = f"N-{role}-{division}"
            return client.post(
                base, {"number": number, "name": "新", "owning_division": orgs[division].pk}, format="json"
            )

        return post

    assert_matrix(
        api_client,
        role_users,
        {
            f"GET {base}{other.pk}/": statuses(200, 404, 200, 200, 200, 403),
            f"PATCH {base}{own.pk}/": statuses(200, 200, 403, 403, 403, 403),
            f"PATCH {base}{other.pk}/": statuses(200, 404, 403, 403, 403, 403),
            "POST own division": (create_in("税務課"), statuses(201, 201, 403, 403, 403, 403)),
            "POST other division": (create_in("県立図書館"), statuses(201, 400, 403, 403, 403, 403)),
        },
        data=lambda role: {"notes": role},
    )
    other.refresh_from_db()
    assert other.notes == "admin"  # only the admin's PATCH of another division's system went through


def test_owner_cannot_move_a_system_to_another_division(api_client, role_users, ledger, orgs):
    api_client.force_authenticate(role_users["owner"])
    r = api_client.patch(
        f"/api/v1/ledger/systems/{ledger['own'].pk}/",
        {"owning_division": orgs["県立図書館"].pk},
        format="json",
    )
    assert r.status_code == 400 and "owning_division" in r.json()["error"]["fields"]
    ledger["own"].refresh_from_db()
    assert ledger["own"].owning_division == orgs["税務課"]


def test_owner_scope_of_child_objects(api_client, role_users, ledger):
    api_client.force_authenticate(role_users["owner"])
    servers = api_client.get("/api/v1/ledger/servers/").json()
    costs = api_client.get("/api/v1/ledger/costs/").json()
    assert [s["id"] for s in servers["results"]] == [ledger["own_server"].pk]
    assert [c["id"] for c in costs["results"]] == [ledger["own_cost"].pk]
    assert (
        api_client.patch(
            f"/api/v1/ledger/costs/{ledger['other_cost'].pk}/", {"amount": 1}, format="json"
        ).status_code
        == 404
    )
    r = api_client.post(
        "/api/v1/ledger/costs/",
        {
            "system": ledger["other"].pk,
            "fiscal_year": 2027,
            "category": "other",
            "stage": "budget",
            "amount": 5,
        },
        format="json",
    )
    assert r.status_code == 400
    assert Cost.objects.count() == 2 and Server.objects.count() == 2


def test_owner_edit_form_offers_only_own_division(client, role_users, ledger, orgs):
    client.force_login(role_users["owner"])
    page = client.get(reverse("ledger:system_edit", args=[ledger["own"].pk])).content.decode()
    assert "税務課" in page and "県立図書館" not in page
    data = {
        "number": ledger["own"].number,
        "name": "乗っ取り",
        "owning_division": orgs["県立図書館"].pk,
        "status": "operating",
        "hosting_form": "onprem",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 2,
        "version": ledger["own"].version,
    }
    assert client.post(reverse("ledger:system_edit", args=[ledger["own"].pk]), data).status_code == 400
    assert System.objects.get(pk=ledger["own"].pk).name == "県税総合システム"


@pytest.mark.parametrize("prefix", ["vendor", "municipality", "tag"])
def test_master_data_is_written_by_admins_only(client, role_users, prefix):
    data = {
        "vendor": {"name": "株式会社新規"},
        "municipality": {"code": "339999", "name": "新市"},
        "tag": {"name": "新タグ"},
    }
    add = reverse(f"ledger:{prefix}_add")
    assert_matrix(
        client,
        role_users,
        {reverse(f"ledger:{prefix}_list"): 200, f"POST {add}": 403},
        data=data[prefix],
        roles=("owner", "advisor", "viewer", "auditor"),
    )
    client.force_login(role_users["admin"])
    response = client.post(add, data[prefix])
    assert response.status_code == 302
    history = client.get(response["Location"] + "history/").content.decode()
    assert "作成" in history and "t-admin" in history
