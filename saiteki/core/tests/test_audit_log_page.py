"""The audit log page: readable values, filters in the query string, pagination, xlsx export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from saiteki.accounts.services import assignment_set
from saiteki.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_log_readable_filtered_paginated_and_exported(client, role_users, orgs):
    admin, owner = role_users["admin"], role_users["owner"]
    assignment_set(
        actor=admin,
        user=owner,
        fiscal_year=owner.assignment.fiscal_year,
        role="owner",
        division=orgs["県立図書館"],
    )
    client.force_login(role_users["auditor"])
    url = reverse("core:audit_log")
    html = client.get(url, {"kind": "role_change"}).content.decode()
    assert "県立図書館" in html and "税務課" in html  # division names in the details
    assert "情報政策課（管理者）" in html and "システム所管課" in html  # role labels
    assert "{&#x27;" not in html and "division_id" not in html  # no raw dicts
    assert "accounts.User" not in html

    assert "t-admin" in client.get(url, {"user": "t-admin"}).content.decode()
    none = client.get(url, {"user": "t-auditor", "kind": "role_change"}).content.decode()
    assert 'data-testid="result-count">0件' in none
    for _ in range(120):
        AuditEvent.objects.create(kind="login", actor_username="t-many")
    page1 = client.get(url, {"user": "t-many"}).content.decode()
    assert "1 / 2" in page1

    response = client.get(url, {"kind": "role_change", "user": "t-admin", "export": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[1] == "役割の変更"]
    assert len(rows) == 1 and "県立図書館" in rows[0][7] and rows[0][3] == "情報政策課（管理者）"
    assert AuditEvent.objects.filter(kind="export", object_type="core.AuditEvent").exists()


def test_audit_log_is_refused_to_owners(client, role_users):
    client.force_login(role_users["owner"])
    assert client.get(reverse("core:audit_log")).status_code == 403
