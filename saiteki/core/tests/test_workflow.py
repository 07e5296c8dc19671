"""Workflow: guarded transitions through one service, logged in the change history, 409 when illegal.

Uses the test-only app ``saiteki.core.tests.flow`` (Request: 下書き → 提出済み → 承認済み / 差戻し).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from saiteki.core import workflow
from saiteki.core.errors import ConflictError, ValidationFailed
from saiteki.core.models import ObjectChange
from saiteki.core.roles import Role
from saiteki.core.tests.flow.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture
def req(orgs):
    # The owner test user belongs to 税務課.
    return Request.objects.create(title="端末更新の申請", division=orgs["税務課"], amount=1_200_000)


def _changes(obj):
    ct = ContentType.objects.get_for_model(obj)
    return list(ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("time", "id"))


def _names(obj, user):
    return [t.name for t in workflow.available_transitions(obj, user)]


def test_happy_path_is_logged_with_who_and_comment(req, role_users):
    owner, admin = role_users[Role.OWNER], role_users[Role.ADMIN]
    before = len(_changes(req))
    req = workflow.transition_run(obj=req, name="submit", user=owner, comment="よろしくお願いします")
    assert req.state == Request.State.SUBMITTED
    req = workflow.transition_run(obj=req, name="approve", user=admin, comment="問題ありません")
    req.refresh_from_db()
    assert req.state == Request.State.APPROVED and req.approved_by == str(admin) and req.approved_at
    changes = _changes(req)[before:]
    assert [(c.user_name, c.reason) for c in changes] == [
        ("t-owner", "よろしくお願いします"),
        ("t-admin", "問題ありません"),
    ]
    assert (
        changes[0].prechange_data["state"] == "draft" and changes[0].postchange_data["state"] == "submitted"
    )
    history = workflow.transition_history(req)
    assert [(h.label, h.source_label, h.target_label, h.user_name, h.comment) for h in history] == [
        ("提出", "下書き", "提出済み", "t-owner", "よろしくお願いします"),
        ("承認", "提出済み", "承認済み", "t-admin", "問題ありません"),
    ]


def test_available_transitions_depend_on_state_role_and_division(req, role_users, orgs):
    assert _names(req, role_users[Role.OWNER]) == ["submit"]
    assert _names(req, role_users[Role.ADMIN]) == ["submit"]
    assert _names(req, role_users[Role.VIEWER]) == []
    assert _names(req, role_users[Role.ADVISOR]) == []  # cannot change requests
    assert _names(req, role_users["none"]) == []
    other = Request.objects.create(title="他課", division=orgs["教育政策課"], amount=1)
    assert _names(other, role_users[Role.OWNER]) == []  # another division's request
    req = workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
    assert _names(req, role_users[Role.OWNER]) == []
    assert _names(req, role_users[Role.ADMIN]) == ["approve", "send_back"]
    assert _names(req, role_users[Role.ADVISOR]) == ["send_back"]  # by right, not by role
    labels = {t.name: t for t in workflow.available_transitions(req, role_users[Role.ADMIN])}
    assert labels["send_back"].label == "差戻し" and labels["send_back"].comment_required
    assert labels["approve"].target_label == "承認済み" and not labels["approve"].comment_required


def test_condition_blocks_with_its_message_and_changes_nothing(orgs, role_users):
    req = Request.objects.create(title="金額なし", division=orgs["税務課"], amount=0)
    owner = role_users[Role.OWNER]
    assert _names(req, owner) == []
    blocked = workflow.available_transitions(req, owner, include_blocked=True)
    assert [(t.name, t.allowed, t.blocked_reason) for t in blocked] == [
        ("submit", False, "金額を入力してから提出してください。")
    ]
    n = len(_changes(req))
    with pytest.raises(workflow.TransitionNotAllowed) as exc:
        workflow.transition_run(obj=req, name="submit", user=owner)
    assert str(exc.value) == "金額を入力してから提出してください。"
    req.refresh_from_db()
    assert req.state == "draft" and req.version == 1 and len(_changes(req)) == n


@pytest.mark.parametrize(
    ("name", "role", "error"),
    [
        ("approve", Role.ADMIN, workflow.TransitionNotAllowed),  # not from 下書き
        ("submit", Role.VIEWER, workflow.TransitionNotPermitted),  # guard: can(change)
        ("submit", Role.ADVISOR, workflow.TransitionNotPermitted),
        ("delete", Role.ADMIN, workflow.TransitionNotAllowed),  # not a transition at all
        ("_do_update", Role.ADMIN, workflow.TransitionNotAllowed),
    ],
)
def test_illegal_or_forbidden_transition_changes_nothing(req, role_users, name, role, error):
    n = len(_changes(req))
    with pytest.raises(error) as exc:
        workflow.transition_run(obj=req, name=name, user=role_users[role])
    assert exc.value.status_code == 409 and str(exc.value)  # a Japanese message
    req.refresh_from_db()
    assert req.state == "draft" and req.version == 1 and len(_changes(req)) == n


def test_role_guard_owner_cannot_approve_own_request(req, role_users):
    req = workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
    with pytest.raises(workflow.TransitionNotPermitted) as exc:
        workflow.transition_run(obj=req, name="approve", user=role_users[Role.OWNER])
    assert "承認" in str(exc.value)
    req.refresh_from_db()
    assert req.state == "submitted" and req.approved_at is None


def test_required_comment(req, role_users):
    req = workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
    with pytest.raises(ValidationFailed) as exc:
        workflow.transition_run(obj=req, name="send_back", user=role_users[Role.ADVISOR], comment="  ")
    assert exc.value.fields == {"comment": ["コメントを入力してください。"]}
    req = workflow.transition_run(
        obj=req, name="send_back", user=role_users[Role.ADVISOR], comment="見積の根拠を添付してください"
    )
    assert req.state == "returned"
    assert workflow.transition_history(req)[-1].comment == "見積の根拠を添付してください"


def test_stale_object_conflicts(req, role_users):
    stale = Request.objects.get(pk=req.pk)
    workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
    with pytest.raises(ConflictError):
        workflow.transition_run(obj=stale, name="submit", user=role_users[Role.OWNER])
    with pytest.raises(ConflictError):
        workflow.transition_run(
            obj=Request.objects.get(pk=req.pk),
            name="approve",
            user=role_users[Role.ADMIN],
            expected_version=1,
        )


def test_state_cannot_be_assigned_directly(req):
    with pytest.raises(AttributeError):
        req.state = Request.State.APPROVED
    req.refresh_from_db()  # the mixin lets a protected state field reload
    assert req.state == "draft"


def test_system_action_skips_the_guard_but_not_the_state(req):
    req = workflow.transition_run(obj=req, name="submit", user=None)
    assert req.state == "submitted"
    assert _changes(req)[-1].user_name == "system"
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.transition_run(obj=req, name="reopen", user=None)


def test_transition_must_change_state():
    with pytest.raises(ValueError):
        workflow.transition(source="a", target=None, label="x")


# --- API -------------------------------------------------------------------------------------------


def _url(req, suffix=""):
    return f"/api/v1/flow/requests/{req.pk}/{suffix}"


def test_api_lists_transitions_and_runs_one(api_client, req, role_users):
    api_client.force_authenticate(role_users[Role.OWNER])
    data = api_client.get(_url(req)).json()
    assert data["state"] == "draft"
    assert data["transitions"] == [
        {
            "name": "submit",
            "label": "提出",
            "comment_required": False,
            "target": "submitted",
            "target_label": "提出済み",
        }
    ]
    response = api_client.post(
        _url(req, "transition/"), {"name": "submit", "comment": "API から"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted" and response.json()["transitions"] == []
    assert response["ETag"].endswith('-v2"')
    assert _changes(req)[-1].reason == "API から"


def test_api_illegal_transition_is_409_and_changes_nothing(api_client, req, role_users):
    api_client.force_authenticate(role_users[Role.ADMIN])
    n = len(_changes(req))
    response = api_client.post(_url(req, "transition/"), {"name": "approve"}, format="json")
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "transition_not_allowed" and "下書き" in body["message"]
    api_client.force_authenticate(role_users[Role.VIEWER])
    response = api_client.post(_url(req, "transition/"), {"name": "submit"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "transition_not_permitted"
    req.refresh_from_db()
    assert req.state == "draft" and req.version == 1 and len(_changes(req)) == n


def test_api_other_division_is_404_and_stale_etag_412(api_client, req, role_users, orgs):
    other = Request.objects.create(title="他課", division=orgs["教育政策課"], amount=5)
    api_client.force_authenticate(role_users[Role.OWNER])
    assert api_client.post(_url(other, "transition/"), {"name": "submit"}, format="json").status_code == 404
    response = api_client.post(
        _url(req, "transition/"), {"name": "submit"}, format="json", HTTP_IF_MATCH='"flow.request-1-v9"'
    )
    assert response.status_code == 412
    response = api_client.post(
        _url(req, "transition/"),
        {"name": "submit"},
        format="json",
        HTTP_IF_MATCH=f'"flow.request-{req.pk}-v1"',
    )
    assert response.status_code == 200


def test_api_missing_comment_is_400(api_client, req, role_users):
    workflow.transition_run(obj=req, name="submit", user=role_users[Role.OWNER])
    api_client.force_authenticate(role_users[Role.ADMIN])
    response = api_client.post(_url(req, "transition/"), {"name": "send_back"}, format="json")
    assert response.status_code == 400 and "comment" in response.json()["error"]["fields"]


# --- Pages -----------------------------------------------------------------------------------------


def test_page_shows_buttons_and_posts_a_transition(client, req, role_users):
    client.force_login(role_users[Role.OWNER])
    page = client.get(req.get_absolute_url()).content.decode()
    assert 'data-testid="transition-submit"' in page and "<li>submit</li>" in page
    assert 'data-testid="transition-approve"' not in page
    ct = ContentType.objects.get_for_model(Request).pk
    response = client.post(
        reverse("core:transition", args=[ct, req.pk]),
        {"name": "submit", "comment": "画面から", "version": "1", "next": req.get_absolute_url()},
    )
    assert response.status_code == 302 and response["Location"] == req.get_absolute_url()
    req.refresh_from_db()
    assert req.state == "submitted"
    page = client.get(req.get_absolute_url()).content.decode()
    assert "「提出」を行いました。" in page and 'data-testid="transitions"' not in page


def test_page_refuses_illegal_transition_with_a_message(client, req, role_users):
    client.force_login(role_users[Role.ADMIN])
    ct = ContentType.objects.get_for_model(Request).pk
    response = client.post(
        reverse("core:transition", args=[ct, req.pk]), {"name": "approve", "version": "1"}, follow=True
    )
    assert "「下書き」の状態では「承認」はできません。" in response.content.decode()
    req.refresh_from_db()
    assert req.state == "draft"


def test_page_blocked_transition_shows_reason(client, orgs, role_users):
    req = Request.objects.create(title="金額なし", division=orgs["税務課"], amount=0)
    client.force_login(role_users[Role.OWNER])
    page = client.get(req.get_absolute_url()).content.decode()
    assert "金額を入力してから提出してください。" in page and "disabled" in page


def test_full_clean_validates_a_protected_state(req):
    req.full_clean()  # no AttributeError: the state is validated, not assigned
    req.__dict__["state"] = "nonsense"
    with pytest.raises(Exception) as exc:
        req.full_clean()
    assert "state" in exc.value.message_dict


def test_protected_state_field_needs_the_mixin():
    from django.core.exceptions import ImproperlyConfigured
    from django.db import models

    with pytest.raises(ImproperlyConfigured):

        class Bad(models.Model):
            state = workflow.StateField(default="a")

            class Meta:
                app_label = "flow"

            def __str__(self) -> str:
                return "bad"
