"""History is sacred: every edit leaves who/when/before/after/reason, nobody can alter it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from saiteki.accounts.models import Organization
from saiteki.core.api.viewsets import etag_for
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.models import ObjectChange

pytestmark = pytest.mark.django_db


def changes_of(obj):
    ct = ContentType.objects.get_for_model(obj)
    return ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("id")


def test_create_update_delete_are_logged_with_actor_and_reason(role_users, orgs):
    admin = role_users["admin"]
    with change_context(user=admin, reason="組織改正"):
        org = Organization.objects.create(kind="division", code="X1", name="旧名", parent=orgs["総務部"])
        org.name = "新名"
        org.save()
        pk = org.pk
        org.delete()
    rows = list(
        ObjectChange.objects.filter(
            object_id=pk, content_type=ContentType.objects.get_for_model(Organization)
        ).order_by("id")
    )
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert rows[1].prechange_data["name"] == "旧名" and rows[1].postchange_data["name"] == "新名"
    assert rows[1].diff() == [("name", "旧名", "新名")]
    assert all(r.user_name == "t-admin" and r.role == "admin" and r.reason == "組織改正" for r in rows)
    assert rows[2].postchange_data is None and rows[2].object_repr == "新名"


def test_save_without_change_writes_nothing(orgs):
    org = orgs["税務課"]
    before = changes_of(org).count()
    org.save()
    assert changes_of(org).count() == before


def test_batch_folds_save_and_m2m_into_one_row(orgs):
    org = orgs["税務課"]
    before = changes_of(org).count()
    with transaction.atomic(), change_batch():
        org.name = "税務課（統合）"
        org.save()
        org.predecessors.set([orgs["情報政策課"]])
    rows = list(changes_of(org))
    assert len(rows) == before + 1
    last = rows[-1]
    assert last.prechange_data["name"] == "税務課" and last.postchange_data["name"] == "税務課（統合）"
    assert last.prechange_data["predecessors"] == [] and last.postchange_data["predecessors"] == [
        orgs["情報政策課"].pk
    ]


def test_edit_through_ui_leaves_history_with_user_and_before_after(client, role_users, orgs):
    admin = role_users["admin"]
    org = orgs["税務課"]
    client.force_login(admin)
    url = reverse("accounts:organization_edit", args=[org.pk])
    data = {
        "kind": "division",
        "code": org.code,
        "name": "税務課（改）",
        "parent": org.parent_id,
        "valid_from": "平成12年4月1日",
        "valid_to": "",
        "sort_order": 5,
        "version": org.version,
        "change_reason": "名称変更のため",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    last = changes_of(org).last()
    assert last.user_id == admin.pk and last.user_name == "t-admin"
    assert last.prechange_data["name"] == "税務課" and last.postchange_data["name"] == "税務課（改）"
    assert last.reason == "名称変更のため"
    page = client.get(reverse("accounts:organization_history", args=[org.pk]))
    assert "税務課（改）" in page.content.decode() and "名称変更のため" in page.content.decode()


def test_stale_form_submit_is_a_conflict_and_keeps_input(client, role_users, orgs):
    client.force_login(role_users["admin"])
    org = orgs["税務課"]
    stale_version = org.version
    org.name = "誰かが先に変更"
    org.save()
    url = reverse("accounts:organization_edit", args=[org.pk])
    response = client.post(
        url,
        {
            "kind": "division",
            "code": org.code,
            "name": "私の変更",
            "parent": org.parent_id,
            "valid_from": "2000-04-01",
            "sort_order": 5,
            "version": stale_version,
        },
    )
    assert response.status_code == 412
    body = response.content.decode()
    assert "他の利用者が先に更新しました" in body and "私の変更" in body
    org.refresh_from_db()
    assert org.name == "誰かが先に変更"


def test_edit_through_api_leaves_history_and_stale_if_match_gets_412(api_client, role_users, orgs):
    admin = role_users["admin"]
    org = orgs["税務課"]
    api_client.force_authenticate(admin)
    url = f"/api/v1/accounts/organizations/{org.pk}/"
    got = api_client.get(url)
    etag = got["ETag"]
    assert etag == etag_for(org)

    ok = api_client.patch(
        url,
        {"name": "税務課API"},
        format="json",
        HTTP_IF_MATCH=etag,
        HTTP_X_CHANGE_REASON="API%E3%81%A7%E5%A4%89%E6%9B%B4",
    )
    assert ok.status_code == 200, ok.json()
    assert ok["ETag"] != etag
    last = changes_of(org).last()
    assert last.user_name == "t-admin" and last.postchange_data["name"] == "税務課API"
    assert last.prechange_data["name"] == "税務課" and last.reason == "APIで変更"

    count = ObjectChange.objects.count()
    stale = api_client.patch(url, {"name": "古い版からの更新"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "conflict"
    org.refresh_from_db()
    assert org.name == "税務課API"
    assert ObjectChange.objects.count() == count


def test_history_rows_cannot_be_changed_or_deleted(orgs):
    row = ObjectChange.objects.first()
    assert row is not None
    row.reason = "改ざん"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        ObjectChange.objects.all().update(reason="改ざん")
    with pytest.raises(PermissionError):
        ObjectChange.objects.all().delete()


def test_database_refuses_raw_updates_of_history(orgs):
    row = ObjectChange.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_objectchange SET reason = %s WHERE id = %s", ["改ざん", row.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_objectchange WHERE id = %s", [row.pk])
    row.refresh_from_db()
    assert row.reason != "改ざん"


def test_history_page_needs_history_permission(client, role_users, orgs):
    org = orgs["税務課"]
    url = reverse("accounts:organization_history", args=[org.pk])
    for role, expected in [
        ("admin", 200),
        ("auditor", 200),
        ("advisor", 200),
        ("viewer", 403),
        ("none", 404),
    ]:
        client.force_login(role_users[role])
        assert client.get(url).status_code == expected, role
