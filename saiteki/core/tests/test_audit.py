"""Security events go to the audit log, which survives the deletion of the users it names."""

import pytest
from django.urls import reverse

from saiteki.accounts.services import assignment_set
from saiteki.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def kinds():
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def test_login_failure_logout_are_audited(client, role_users):
    client.post(reverse("accounts:login"), {"username": "t-admin", "password": "wrong-password"})
    client.post(reverse("accounts:login"), {"username": "t-admin", "password": "pw-test-12345"})
    client.post(reverse("accounts:logout"))
    events = list(AuditEvent.objects.filter(actor_username="t-admin").order_by("id"))
    assert [e.kind for e in events][-3:] == ["login_failed", "login", "logout"]
    assert events[-2].actor_role == "admin" and events[-2].ip_address == "127.0.0.1"


def test_lockout_after_repeated_failures_with_japanese_message(client, role_users):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"username": "t-owner", "password": "wrong"})
    response = client.post(url, {"username": "t-owner", "password": "pw-test-12345"})
    assert response.status_code == 403
    assert "ロックされています" in response.content.decode()
    assert "lockout" in kinds()
    assert "_auth_user_id" not in client.session


def test_role_change_is_audited_with_before_and_after(role_users, orgs):
    admin, owner = role_users["admin"], role_users["owner"]
    assignment_set(
        actor=admin,
        user=owner,
        fiscal_year=owner.assignment.fiscal_year,
        role="owner",
        division=orgs["県立図書館"],
    )
    event = AuditEvent.objects.filter(kind="role_change", object_repr="t-owner").latest("id")
    assert event.actor_username == "t-admin"
    assert event.detail["before"]["division_id"] == orgs["税務課"].pk
    assert event.detail["after"]["division_id"] == orgs["県立図書館"].pk


def test_audit_log_survives_user_deletion(client, role_users):
    client.post(reverse("accounts:login"), {"username": "t-viewer", "password": "pw-test-12345"})
    role_users["viewer"].delete()
    event = AuditEvent.objects.filter(kind="login", actor_username="t-viewer").get()
    assert event.actor_id is not None and event.actor_role == "viewer"


def test_export_is_audited(client, role_users):
    client.force_login(role_users["admin"])
    response = client.get(reverse("accounts:organization_list") + "?export=xlsx")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        kind="export", actor_username="t-admin", object_type="accounts.Organization"
    ).exists()


def test_audit_page_search_and_permissions(client, role_users):
    client.post(reverse("accounts:login"), {"username": "t-advisor", "password": "nope"})
    url = reverse("core:audit_log")
    for role, expected in [
        ("admin", 200),
        ("auditor", 200),
        ("owner", 403),
        ("advisor", 403),
        ("viewer", 403),
    ]:
        client.force_login(role_users[role])
        assert client.get(url).status_code == expected, role
    client.force_login(role_users["auditor"])
    page = client.get(url, {"q": "t-advisor", "kind": "login_failed"}).content.decode()
    assert "t-advisor" in page and "ログイン失敗" in page
    bad = client.get(url, {"from": "令和99年13月1日"})
    assert bad.status_code == 200
    assert "「令和99年13月1日」は存在しない日付です。" in bad.content.decode()


def test_audit_rows_are_immutable(role_users):
    event = AuditEvent.objects.create(kind="login", actor_username="x")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_password_change_is_audited(client, role_users):
    client.force_login(role_users["advisor"])
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pw-test-12345",
            "new_password1": "Kensei-2026-abc",
            "new_password2": "Kensei-2026-abc",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind="password_change", actor_username="t-advisor").exists()
