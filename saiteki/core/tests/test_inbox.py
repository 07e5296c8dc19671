"""Inbox and notifications: one notify() call, delivered on commit, own notifications only, e-mail
for those who opted in, unread count in the header."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from saiteki.core.models import Notification
from saiteki.core.notifications import (
    notification_preference_set,
    notify,
    unread_count,
)
from saiteki.core.roles import Role
from saiteki.core.tests.flow.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def req(orgs):
    return Request.objects.create(title="端末更新の申請", division=orgs["税務課"], amount=100)


def test_notify_creates_rows_once_per_active_recipient(req, role_users, django_capture_on_commit_callbacks):
    owner, admin, viewer = role_users[Role.OWNER], role_users[Role.ADMIN], role_users[Role.VIEWER]
    viewer.is_active = False
    viewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify([owner, owner.pk, admin, None, viewer], "flow.submitted", req, "申請が提出されました。")
        assert not Notification.objects.exists()  # nothing before the commit
    assert ids == [owner.pk, admin.pk, viewer.pk]
    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.kind, n.message, n.object_repr) for n in rows] == sorted(
        [
            (owner.pk, "flow.submitted", "申請が提出されました。", "端末更新の申請"),
            (admin.pk, "flow.submitted", "申請が提出されました。", "端末更新の申請"),
        ]
    )
    assert all(n.url == req.get_absolute_url() and n.object_id == req.pk for n in rows)


def test_rolled_back_write_tells_nobody(req, role_users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(role_users[Role.OWNER], "flow.x", req, "届かないはず")
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert callbacks == [] and not Notification.objects.exists()


def test_email_only_to_those_who_opted_in(req, role_users, django_capture_on_commit_callbacks):
    owner, admin = role_users[Role.OWNER], role_users[Role.ADMIN]
    owner.email, admin.email = "owner@example.lg.jp", "admin@example.lg.jp"
    owner.save()
    admin.save()
    notification_preference_set(user=owner, email_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify([owner, admin], "flow.returned", req, "申請が差し戻されました。\n理由: 見積不足")
    assert [m.to for m in mail.outbox] == [["owner@example.lg.jp"]]
    message = mail.outbox[0]
    assert "申請が差し戻されました。" in message.subject and "見積不足" in message.body
    assert req.get_absolute_url() in message.body
    assert Notification.objects.count() == 2  # the inbox gets it either way


@pytest.fixture
def inboxes(req, role_users, django_capture_on_commit_callbacks):
    owner, admin = role_users[Role.OWNER], role_users[Role.ADMIN]
    with django_capture_on_commit_callbacks(execute=True):
        notify(owner, "flow.a", req, "所管課あて 1")
        notify(owner, "flow.b", req, "所管課あて 2")
        notify(admin, "flow.c", req, "管理者あて")
    return owner, admin


def test_inbox_page_shows_only_own_unread_first(client, inboxes):
    owner, admin = inboxes
    first = Notification.objects.get(message="所管課あて 1")
    client.force_login(owner)
    client.post(reverse("core:inbox_read", args=[first.pk]))
    page = client.get(reverse("core:inbox")).content.decode()
    assert "所管課あて 1" in page and "所管課あて 2" in page and "管理者あて" not in page
    assert page.index("所管課あて 2") < page.index("所管課あて 1")  # unread first
    assert "未読 1件" in page  # the header badge, as text
    unread = client.get(reverse("core:inbox") + "?unread=1").content.decode()
    assert "所管課あて 2" in unread and "所管課あて 1" not in unread


def test_cannot_read_or_mark_someone_elses(client, api_client, inboxes):
    owner, admin = inboxes
    theirs = Notification.objects.get(recipient=admin)
    client.force_login(owner)
    assert client.post(reverse("core:inbox_read", args=[theirs.pk])).status_code == 404
    api_client.force_authenticate(owner)
    assert api_client.post(f"/api/v1/inbox/{theirs.pk}/read/").status_code == 404
    assert api_client.get(f"/api/v1/inbox/{theirs.pk}/").status_code == 404
    api_client.post("/api/v1/inbox/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(admin) == 1 and unread_count(owner) == 0


def test_mark_read_needs_post(client, inboxes):
    owner, _admin = inboxes
    n = Notification.objects.filter(recipient=owner).first()
    client.force_login(owner)
    assert client.get(reverse("core:inbox_read", args=[n.pk])).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_open_marks_read_and_goes_to_the_object(client, inboxes, req):
    owner, _admin = inboxes
    n = Notification.objects.filter(recipient=owner).first()
    client.force_login(owner)
    response = client.post(reverse("core:inbox_read", args=[n.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == req.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read_and_header_badge(client, inboxes):
    owner, _admin = inboxes
    client.force_login(owner)
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="inbox-unread"' in home and "未読 2件" in home
    client.post(reverse("core:inbox_read_all"))
    home = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="inbox-unread"' not in home and 'data-testid="inbox-link"' in home


def test_api_lists_own_unread_first_and_marks_read(api_client, inboxes):
    owner, _admin = inboxes
    api_client.force_authenticate(owner)
    data = api_client.get("/api/v1/inbox/").json()
    assert data["count"] == 2
    assert {r["message"] for r in data["results"]} == {"所管課あて 1", "所管課あて 2"}
    assert data["results"][0]["object_type"] == "flow.request" and data["results"][0]["is_read"] is False
    target = data["results"][1]["id"]
    response = api_client.post(f"/api/v1/inbox/{target}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    data = api_client.get("/api/v1/inbox/").json()
    assert data["results"][-1]["id"] == target  # read ones sink to the bottom
    assert api_client.get("/api/v1/inbox/?unread=1").json()["count"] == 1
    assert api_client.post("/api/v1/inbox/read-all/").json() == {"marked": 1}
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/inbox/").status_code in (401, 403)


def test_preference_form(client, role_users):
    owner = role_users[Role.OWNER]
    client.force_login(owner)
    page = client.get(reverse("core:inbox_preferences")).content.decode()
    assert "メールでも受け取る" in page and "メールアドレスが登録されていない" in page
    response = client.post(reverse("core:inbox_preferences"), {"email_enabled": "on"})
    assert response.status_code == 302
    assert owner.notification_preference.email_enabled is True
    client.post(reverse("core:inbox_preferences"), {})
    owner.notification_preference.refresh_from_db()
    assert owner.notification_preference.email_enabled is False


def test_workflow_service_can_notify_after_a_transition(req, role_users, django_capture_on_commit_callbacks):
    """How a real service combines the two: transition, then notify the people concerned."""
    from saiteki.core import workflow

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        req = workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
        notify(role_users[Role.ADMIN], "flow.submitted", req, f"「{req}」が提出されました。")
    assert Notification.objects.get().recipient == role_users[Role.ADMIN]


def test_inbox_page_and_endpoint_queries_do_not_grow(client, api_client, req, role_users):
    from saiteki.core.testing import assert_queries_flat

    owner = role_users[Role.OWNER]

    def grow():
        Notification.objects.bulk_create(
            [
                Notification(recipient=owner, kind="flow.x", message=f"通知 {i}", content_type=None)
                for i in range(30)
            ]
        )
        notify_now = Notification(recipient=owner, kind="flow.y", message="対象つき", object_id=req.pk)
        from django.contrib.contenttypes.models import ContentType

        notify_now.content_type = ContentType.objects.get_for_model(req)
        notify_now.save()

    Notification.objects.create(recipient=owner, kind="flow.x", message="最初の通知")
    client.force_login(owner)
    assert_queries_flat(
        lambda: client.get(reverse("core:inbox")),
        grow,
        label="inbox page",
        check=lambda few, many: (
            many.content.decode().count('data-testid="inbox-row"')
            > few.content.decode().count('data-testid="inbox-row"')
        ),
    )
    api_client.force_authenticate(owner)
    assert_queries_flat(
        lambda: api_client.get("/api/v1/inbox/"),
        lambda: Notification.objects.bulk_create(
            [Notification(recipient=owner, kind="flow.z", message=f"追加 {i}") for i in range(5)]
        ),
        label="inbox endpoint",
        check=lambda few, many: many.json()["count"] > few.json()["count"],
    )
