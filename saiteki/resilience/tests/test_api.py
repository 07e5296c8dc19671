"""The resilience API: the permission matrix, owners' scope, If-Match, the computed views."""

import pytest

from saiteki.core.api.viewsets import etag_for
from saiteki.core.testing import ROLES, assert_matrix, statuses
from saiteki.resilience.models import BackupPractice, BackupStandard, RestoreTest

pytestmark = pytest.mark.django_db
BASE = "/api/v1/resilience/"


def counts(api_client, role_users, path):
    out = {}
    for role in ROLES:
        api_client.force_authenticate(role_users[role])
        response = api_client.get(BASE + path)
        out[role] = response.json()["count"] if response.status_code == 200 else response.status_code
    return out


def test_list_scopes(api_client, role_users, world):
    assert counts(api_client, role_users, "practices/") == {
        "admin": 2,
        "owner": 1,
        "advisor": 2,
        "viewer": 2,
        "auditor": 2,
        "none": 403,
    }
    # Incidents: owners their own systems'; viewers none involving personal data.
    assert counts(api_client, role_users, "incidents/") == {
        "admin": 3,
        "owner": 1,
        "advisor": 3,
        "viewer": 1,
        "auditor": 3,
        "none": 403,
    }
    assert counts(api_client, role_users, "compliance/") == {
        "admin": 2,
        "owner": 1,
        "advisor": 2,
        "viewer": 2,
        "auditor": 2,
        "none": 403,
    }
    assert counts(api_client, role_users, "bcp-documents/") == {
        "admin": 2,
        "owner": 1,
        "advisor": 2,
        "viewer": 2,
        "auditor": 2,
        "none": 403,
    }


def test_write_matrix(api_client, role_users, world):
    w = world
    standard = BackupStandard.objects.get(importance=3)
    assert_matrix(
        api_client,
        role_users,
        {
            f"PATCH {BASE}standards/{standard.pk}/": statuses(200, 403, 403, 403, 403, 403),
            f"PATCH {BASE}practices/{w['own_practice'].pk}/": statuses(200, 200, 403, 403, 403, 403),
            f"PATCH {BASE}practices/{w['other_practice'].pk}/": statuses(200, 404, 403, 403, 403, 403),
            f"PATCH {BASE}drills/{w['drill'].pk}/": statuses(200, 403, 403, 403, 403, 403),
            f"PATCH {BASE}incidents/{w['personal_own'].pk}/": statuses(200, 200, 403, 403, 403, 403),
            f"PATCH {BASE}training/{w['training'].pk}/": statuses(200, 403, 403, 403, 403, 403),
        },
        method="PATCH",
        data={"note": "API", "generations": 8, "title": "更新", "attendees": 121, "measures": "対応済み"},
    )


def test_if_match_refuses_a_stale_write(api_client, role_users, world):
    api_client.force_authenticate(role_users["owner"])
    practice = world["own_practice"]
    url = f"{BASE}practices/{practice.pk}/"
    etag = api_client.get(url)["ETag"]
    assert etag == etag_for(practice)
    assert api_client.patch(url, {"generations": 9}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api_client.patch(url, {"generations": 10}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "conflict"
    assert BackupPractice.objects.get(pk=practice.pk).generations == 9


def test_owner_cannot_create_for_another_division_and_validation_is_the_models(
    api_client, role_users, world, orgs
):
    from saiteki.ledger.tests.factories import make_system

    api_client.force_authenticate(role_users["owner"])
    mine = make_system(orgs["税務課"], number="S-NEW")
    theirs = make_system(orgs["県立図書館"], number="S-NEW2")
    refused = api_client.post(
        f"{BASE}practices/", {"system": theirs.pk, "frequency": "daily", "generations": 3}, format="json"
    )
    assert refused.status_code == 400 and "自所属以外" in str(refused.json())
    invalid = api_client.post(
        f"{BASE}practices/", {"system": mine.pk, "frequency": "daily", "generations": 0}, format="json"
    )
    assert invalid.status_code == 400
    assert "保管世代数を1以上" in str(invalid.json()["error"]["fields"])
    ok = api_client.post(
        f"{BASE}practices/", {"system": mine.pk, "frequency": "daily", "generations": 3}, format="json"
    )
    assert ok.status_code == 201
    incident = api_client.post(
        f"{BASE}incidents/",
        {"occurred_on": "2026-11-01", "title": "他所属", "kind": "other", "systems": [theirs.pk]},
        format="json",
    )
    assert incident.status_code == 400


def test_restore_test_through_the_api_moves_the_practice_date(api_client, role_users, world):
    api_client.force_authenticate(role_users["owner"])
    own = world["own"]
    response = api_client.post(
        f"{BASE}restore-tests/",
        {"system": own.pk, "tested_on": "2026-11-02", "result": "success"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert str(BackupPractice.objects.get(system=own).last_restore_test) == "2026-11-02"
    other = api_client.post(
        f"{BASE}restore-tests/", {"system": world["other"].pk, "tested_on": "2026-11-02"}, format="json"
    )
    assert other.status_code == 400 and RestoreTest.objects.count() == 1


def test_compliance_and_recovery_order(api_client, role_users, world):
    api_client.force_authenticate(role_users["admin"])
    rows = {r["number"]: r for r in api_client.get(f"{BASE}compliance/").json()["results"]}
    assert rows["S-OWN"]["compliant"] is False
    assert [u["requirement"] for u in rows["S-OWN"]["unmet"]] == ["restore_test"]
    assert [u["requirement"] for u in rows["S-OTH"]["unmet"]] == ["frequency"]
    only = api_client.get(f"{BASE}compliance/?requirement=frequency").json()["results"]
    assert [r["number"] for r in only] == ["S-OTH"]
    summary = api_client.get(f"{BASE}compliance/summary/").json()
    assert (
        summary["total"] == 2 and summary["compliant"] == 0 and summary["by_requirement"]["restore_test"] == 1
    )
    order = api_client.get(f"{BASE}bcp/recovery-order/").json()
    assert [s["number"] for s in order["steps"]] == ["S-OTH", "S-OWN"] and order["cycles"] == []
    api_client.force_authenticate(role_users["owner"])
    order = api_client.get(f"{BASE}bcp/recovery-order/").json()
    assert [s["number"] for s in order["steps"]] == ["", "S-OWN"]  # another division's system is not named


def test_bcp_dependencies_through_the_api(api_client, role_users, world):
    api_client.force_authenticate(role_users["admin"])
    own_bcp, other = world["own_bcp"], world["other"]
    url = f"{BASE}bcp/{own_bcp.pk}/"
    itself = api_client.patch(url, {"depends_on": [world["own"].pk]}, format="json")
    assert itself.status_code == 400 and "システム自身" in str(itself.json())
    api_client.force_authenticate(role_users["owner"])
    kept = api_client.patch(url, {"depends_on": []}, format="json")
    assert kept.status_code == 200 and kept.json()["depends_on"] == [other.pk]
