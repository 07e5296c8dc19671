"""Permission matrix: each role × each kind of action, on pages and on the API (SPEC §1).

Organisations are master data (only IT policy admins write them). The division scope of system
owners is exercised here with the policy functions and, for real business objects, by the ledger's own
matrix.
"""

import pytest
from django.urls import reverse

from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.testing import ROLES, assert_matrix, statuses

pytestmark = pytest.mark.django_db


def test_page_matrix(client, role_users, orgs):
    org = orgs["税務課"]
    assert_matrix(
        client,
        role_users,
        {
            reverse("accounts:organization_list"): statuses(200, 200, 200, 200, 200, 403),
            reverse("accounts:organization_detail", args=[org.pk]): statuses(200, 200, 200, 200, 200, 404),
            reverse("accounts:organization_edit", args=[org.pk]): statuses(200, 403, 403, 403, 403, 404),
            reverse("accounts:organization_add"): statuses(200, 403, 403, 403, 403, 403),
            reverse("accounts:organization_list") + "?export=xlsx": statuses(200, 200, 200, 403, 200, 403),
            reverse("accounts:user_list"): statuses(200, 403, 403, 403, 200, 403),  # auditors read
            reverse("core:audit_log"): statuses(200, 403, 403, 403, 200, 403),
        },
    )


def test_anonymous_is_sent_to_login(client, orgs):
    response = client.get(reverse("accounts:organization_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_api_matrix(api_client, role_users, orgs):
    base = "/api/v1/accounts/organizations/"
    targets = {
        role: Organization.objects.create(
            kind="division", code=f"Z{i}", name=f"対象{i}", parent=orgs["総務部"]
        )
        for i, role in enumerate(ROLES)
    }

    def on_target(method, data=None):
        def send(client, role):
            url = f"{base}{targets[role].pk}/"
            return getattr(client, method)(url, data, format="json") if data else getattr(client, method)(url)

        return send

    def error_body(label, role, response):
        if response.status_code in (403, 404):
            assert response.json()["error"]["code"] in {"permission_denied", "not_found"}, (label, role)

    assert_matrix(
        api_client,
        role_users,
        {
            base: statuses(200, 200, 200, 200, 200, 403),
            "retrieve": (on_target("get"), statuses(200, 200, 200, 200, 200, 403)),
            "create": (
                lambda c, role: c.post(
                    base,
                    {"kind": "division", "code": f"N-{role}", "name": "新設課", "parent": orgs["総務部"].pk},
                    format="json",
                ),
                statuses(201, 403, 403, 403, 403, 403),
            ),
            "update": (on_target("patch", {"name": "変更"}), statuses(200, 403, 403, 403, 403, 403)),
            "delete": (on_target("delete"), statuses(204, 403, 403, 403, 403, 403)),
        },
        check=error_body,
    )


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
