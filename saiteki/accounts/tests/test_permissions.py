"""Permission matrix: each role × each kind of action, on pages and on the API (SPEC §1).

Organisations are master data (only IT policy admins write them). The division scope of system
owners is exercised here with the policy functions and, for real business objects, by the ledger's own
matrix.
"""

import pytest
from django.urls import reverse

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms

pytestmark = pytest.mark.django_db

ROLES = ["admin", "owner", "advisor", "viewer", "auditor", "none"]

PAGE_MATRIX = {
    # action: expected status per role, in ROLES order
    "list": [200, 200, 200, 200, 200, 403],
    "detail": [200, 200, 200, 200, 200, 404],
    "edit": [200, 403, 403, 403, 403, 404],
    "add": [200, 403, 403, 403, 403, 403],
    "export": [200, 200, 200, 403, 200, 403],
    "users": [200, 403, 403, 403, 403, 403],
    "audit": [200, 403, 403, 403, 200, 403],
}


def _page_url(action, org):
    return {
        "list": reverse("accounts:organization_list"),
        "detail": reverse("accounts:organization_detail", args=[org.pk]),
        "edit": reverse("accounts:organization_edit", args=[org.pk]),
        "add": reverse("accounts:organization_add"),
        "export": reverse("accounts:organization_list") + "?export=xlsx",
        "users": reverse("accounts:user_list"),
        "audit": reverse("core:audit_log"),
    }[action]


@pytest.mark.parametrize("action", list(PAGE_MATRIX))
def test_page_matrix(client, role_users, orgs, action):
    org = orgs["税務課"]
    got = []
    for role in ROLES:
        client.force_login(role_users[role])
        got.append(client.get(_page_url(action, org)).status_code)
    assert got == PAGE_MATRIX[action]


def test_anonymous_is_sent_to_login(client, orgs):
    response = client.get(reverse("accounts:organization_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


API_MATRIX = {
    "list": [200, 200, 200, 200, 200, 403],
    "retrieve": [200, 200, 200, 200, 200, 403],
    "create": [201, 403, 403, 403, 403, 403],
    "update": [200, 403, 403, 403, 403, 403],
    "delete": [204, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("action", list(API_MATRIX))
def test_api_matrix(api_client, role_users, orgs, action):
    got = []
    for i, role in enumerate(ROLES):
        api_client.force_authenticate(role_users[role])
        target = Organization.objects.create(
            kind="division", code=f"Z{action}{i}", name=f"対象{i}", parent=orgs["総務部"]
        )
        base = "/api/v1/accounts/organizations/"
        if action == "list":
            r = api_client.get(base)
        elif action == "retrieve":
            r = api_client.get(f"{base}{target.pk}/")
        elif action == "create":
            r = api_client.post(
                base,
                {"kind": "division", "code": f"N{i}", "name": "新設課", "parent": orgs["総務部"].pk},
                format="json",
            )
        elif action == "update":
            r = api_client.patch(f"{base}{target.pk}/", {"name": "変更"}, format="json")
        else:
            r = api_client.delete(f"{base}{target.pk}/")
        got.append(r.status_code)
        if r.status_code in (403, 404):
            assert r.json()["error"]["code"] in {"permission_denied", "not_found"}
    assert got == API_MATRIX[action]


def test_refused_writes_change_nothing(api_client, role_users, orgs):
    org = orgs["税務課"]
    api_client.force_authenticate(role_users["owner"])
    api_client.patch(f"/api/v1/accounts/organizations/{org.pk}/", {"name": "乗っ取り"}, format="json")
    api_client.delete(f"/api/v1/accounts/organizations/{org.pk}/")
    org.refresh_from_db()
    assert org.name == "税務課"


def test_owner_scope_on_division_owned_models(monkeypatch, role_users, orgs):
    """With a division-owned model, an owner sees and may change only their own division's rows."""
    monkeypatch.setattr(Organization, "division_path", "pk")
    owner, admin, auditor = role_users["owner"], role_users["admin"], role_users["auditor"]
    own, other = orgs["税務課"], orgs["教育政策課"]
    visible = set(Organization.objects.restrict(owner, "view").values_list("pk", flat=True))
    assert visible == {own.pk}
    assert set(Organization.objects.restrict(owner, "change").values_list("pk", flat=True)) == {own.pk}
    assert perms.can(owner, "change", own) and not perms.can(owner, "change", other)
    assert Organization.objects.restrict(admin, "change").count() == Organization.objects.count()
    assert Organization.objects.restrict(auditor, "view").count() == Organization.objects.count()
    assert Organization.objects.restrict(auditor, "change").count() == 0
    # A new object whose division is a direct field is checked before it is written.
    monkeypatch.setattr(Organization, "division_path", "parent")
    assert perms.can(owner, "add", Organization(kind="division", code="N1", name="n", parent=own))
    assert not perms.can(owner, "add", Organization(kind="division", code="N2", name="n", parent=other))
