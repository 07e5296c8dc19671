"""The permission matrix: a 所属 (system owner) sees and changes only its own devices, licences, tasks and
findings — on pages, the API, exports and imports; admins everything; readers read."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from saiteki.core.context import change_context
from saiteki.core.testing import assert_matrix, statuses
from saiteki.sam import services
from saiteki.sam.models import Device, InventoryTask

from .conftest import make_entitlement

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sam_world, role_users, django_capture_on_commit_callbacks):
    w = sam_world
    admin = role_users["admin"]
    with change_context(reason="t"):
        w["own_licence"] = make_entitlement(w["cad"], w["orgs"]["税務課"], 2, number="OWN")
        w["other_licence"] = make_entitlement(w["cad"], w["orgs"]["県立図書館"], 2, number="OTHER")
        w["pool_licence"] = make_entitlement(w["office19"], None, 10, number="POOL")
        campaign = services.campaign_create(user=admin, fiscal_year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_open(user=admin, campaign=campaign)
    w["campaign"] = campaign
    w["own_task"] = InventoryTask.objects.get(campaign=campaign, division=w["orgs"]["税務課"])
    w["other_task"] = InventoryTask.objects.get(campaign=campaign, division=w["orgs"]["県立図書館"])
    services.reconciliation_run(user=admin)
    return w


def test_pages(client, role_users, world):
    own, other = world["tax"][0], world["lib"][0]
    r = statuses
    assert_matrix(
        client,
        role_users,
        {
            "/sam/": r(200, 200, 200, 200, 200, 403),
            "/sam/devices/": r(200, 200, 200, 200, 200, 403),
            f"/sam/devices/{own.pk}/": r(200, 200, 200, 200, 200, 404),
            f"/sam/devices/{other.pk}/": r(200, 404, 200, 200, 200, 404),
            f"/sam/devices/{own.pk}/edit/": r(200, 200, 403, 403, 403, 404),
            f"/sam/devices/{other.pk}/edit/": r(200, 404, 403, 403, 403, 404),
            f"/sam/devices/{own.pk}/history/": r(200, 200, 200, 403, 200, 404),
            f"/sam/entitlements/{world['own_licence'].pk}/": r(200, 200, 200, 200, 200, 404),
            f"/sam/entitlements/{world['other_licence'].pk}/": r(200, 404, 200, 200, 200, 404),
            f"/sam/entitlements/{world['pool_licence'].pk}/": r(200, 404, 200, 200, 200, 404),
            f"/sam/entitlements/{world['own_licence'].pk}/purchases/add/": r(200, 200, 403, 403, 403, 404),
            f"/sam/entitlements/{world['other_licence'].pk}/purchases/add/": r(200, 404, 403, 403, 403, 404),
            "/sam/titles/add/": r(200, 403, 403, 403, 403, 403),
            "/sam/rules/add/": r(200, 403, 403, 403, 403, 403),
            f"/sam/inventory/tasks/{world['own_task'].pk}/": r(200, 200, 200, 200, 200, 404),
            f"/sam/inventory/tasks/{world['other_task'].pk}/": r(200, 404, 200, 200, 200, 404),
            "/sam/runs/": r(200, 200, 200, 200, 200, 403),
            "/imports/sam.scans/": r(200, 200, 403, 403, 403, 403),
            "/sam/entitlements/?export=xlsx": r(200, 200, 200, 403, 200, 403),
            "/sam/devices/?export=xlsx": r(200, 200, 200, 403, 200, 403),
        },
    )


def test_writes_through_pages(client, role_users, world):
    other_item = world["other_task"].items.first()
    own_item = world["own_task"].items.first()

    def post(url, data):
        return lambda c, role: c.post(url, data)

    assert_matrix(
        client,
        role_users,
        {
            "confirm another 所属's device": (
                post(f"/sam/inventory/items/{other_item.pk}/", {"status": "confirmed"}),
                statuses(302, 404, 403, 403, 403, 404),
            ),
            "start a reconciliation": (post("/sam/runs/start/", {}), statuses(302, 403, 403, 403, 403, 403)),
            "close the campaign": (
                post(f"/sam/inventory/{world['campaign'].pk}/", {"close": "1"}),
                {"owner": 403, "viewer": 403},
            ),
        },
        roles=("owner", "advisor", "viewer", "auditor", "none", "admin"),
    )
    # The owner confirms their own device.
    client.force_login(role_users["owner"])
    response = client.post(f"/sam/inventory/items/{own_item.pk}/", {"status": "confirmed"})
    assert response.status_code == 302
    own_item.refresh_from_db()
    assert own_item.status == "confirmed"


def test_api(api_client, role_users, world):
    own, other = world["tax"][0], world["lib"][0]
    division = world["orgs"]["税務課"].pk
    assert_matrix(
        api_client,
        role_users,
        {
            "/api/v1/sam/titles/": statuses(200, 200, 200, 200, 200, 403),
            "/api/v1/sam/devices/": statuses(200, 200, 200, 200, 200, 403),
            f"/api/v1/sam/devices/{other.pk}/": statuses(200, 404, 200, 200, 200, 403),
            f"PATCH /api/v1/sam/devices/{own.pk}/": statuses(200, 200, 403, 403, 403, 403),
            f"PATCH /api/v1/sam/devices/{other.pk}/": statuses(200, 404, 403, 403, 403, 403),
            f"/api/v1/sam/entitlements/{world['pool_licence'].pk}/": statuses(200, 404, 200, 200, 200, 403),
            "/api/v1/sam/reconciliation/": statuses(200, 200, 200, 200, 200, 403),
            "/api/v1/sam/campaigns/": statuses(200, 200, 200, 200, 200, 403),
            "/api/v1/sam/scans/": statuses(200, 200, 200, 200, 200, 403),
        },
        data={"notes": "API"},
    )
    # Creating: an owner only in their own 所属; a title only by admins.
    api_client.force_authenticate(role_users["owner"])
    ok = api_client.post(
        "/api/v1/sam/devices/", {"hostname": "ＮＥＷ－１", "division": division}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["hostname"] == "new-1"
    refused = api_client.post(
        "/api/v1/sam/devices/",
        {"hostname": "new-2", "division": world["orgs"]["県立図書館"].pk},
        format="json",
    )
    assert refused.status_code == 403 and not Device.objects.filter(hostname="new-2").exists()
    assert api_client.post("/api/v1/sam/titles/", {"product": "X"}, format="json").status_code == 403
    licence = api_client.post(
        "/api/v1/sam/entitlements/",
        {"title": world["cad"].pk, "kind": "package", "metric": "device", "owner_division": division},
        format="json",
    )
    assert licence.status_code == 201 and licence.json()["number"].startswith("L")
    pool = api_client.post(
        "/api/v1/sam/entitlements/",
        {"title": world["cad"].pk, "kind": "package", "metric": "device"},
        format="json",
    )
    assert pool.status_code == 403
    api_client.force_authenticate(role_users["admin"])
    title = api_client.post(
        "/api/v1/sam/titles/", {"product": "一太郎", "version_family": "2024"}, format="json"
    )
    assert title.status_code == 201 and title.json()["name"] == "一太郎 2024"
    wrong_metric = api_client.post(
        "/api/v1/sam/entitlements/",
        {"title": world["cad"].pk, "kind": "package", "metric": "user"},
        format="json",
    )
    assert wrong_metric.status_code == 400 and "数え方" in str(wrong_metric.json())


def test_exports_contain_only_own_rows(client, role_users, world):
    def rows(user, url):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        ws = load_workbook(
            io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
        ).active
        return [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]

    assert sorted(rows(role_users["owner"], "/sam/devices/?export=xlsx")) == ["tax-0", "tax-1", "tax-2"]
    assert len(rows(role_users["admin"], "/sam/devices/?export=xlsx")) == 5
    assert rows(role_users["owner"], "/sam/entitlements/?export=xlsx") == ["OWN"]


def test_dashboard_owner_sees_own_division_only(client, role_users, world):
    client.force_login(role_users["owner"])
    page = client.get("/sam/").content.decode()
    assert "税務課" in page and "県立図書館" not in page
    client.force_login(role_users["admin"])
    page = client.get("/sam/").content.decode()
    assert "税務課" in page and "県立図書館" in page
