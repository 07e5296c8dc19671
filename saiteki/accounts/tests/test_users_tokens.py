"""Issue 8: API tokens (rotation, expiry, list/revoke, lockout JSON), audit of user creation, password
validators for admin-set passwords, and the users and roles pages (unlock, reset, deactivate, locked
status, no preselected role, 和暦 fiscal years, read-only access for auditors)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from saiteki.accounts.models import User
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.core.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-12345"


def _token(api_client, username, password=PASSWORD):
    return api_client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def _me(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/me/")
    api_client.credentials()
    return response


# --- Tokens ------------------------------------------------------------------------------------------


def test_token_is_revoked_when_the_password_changes(client, api_client, role_users):
    user = role_users["viewer"]
    key = _token(api_client, user.username).json()["token"]
    assert _me(api_client, key).status_code == 200
    client.force_login(user)
    r = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Kawaru-Pass-2026", "new_password2": "Kawaru-Pass-2026"},
    )
    assert r.status_code == 302
    assert _me(api_client, key).status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_token_is_revoked_when_an_admin_deactivates_the_user(client, api_client, role_users):
    user = role_users["viewer"]
    key = _token(api_client, user.username).json()["token"]
    client.force_login(role_users["admin"])
    r = client.post(reverse("accounts:user_action", args=[user.pk, "deactivate"]))
    assert r.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert _me(api_client, key).status_code == 401
    assert not Token.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(kind="user_deactivate", object_id=str(user.pk)).exists()


def test_expired_token_is_refused_with_the_error_body(api_client, role_users, settings):
    user = role_users["viewer"]
    key = _token(api_client, user.username).json()["token"]
    Token.objects.filter(key=key).update(
        created=timezone.now() - datetime.timedelta(days=settings.SAITEKI_TOKEN_MAX_AGE_DAYS + 1)
    )
    r = _me(api_client, key)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired" and "有効期限" in r.json()["error"]["message"]
    # A new login gives a new, working token.
    new_key = _token(api_client, user.username).json()["token"]
    assert new_key != key and _me(api_client, new_key).status_code == 200


def test_user_lists_and_revokes_own_token(client, api_client, role_users):
    user = role_users["owner"]
    key = _token(api_client, user.username).json()["token"]
    client.force_login(user)
    page = client.get(reverse("accounts:token_list")).content.decode()
    assert key[:6] in page and key not in page  # only a prefix is shown
    assert client.post(reverse("accounts:token_list")).status_code == 302
    assert _me(api_client, key).status_code == 401
    assert AuditEvent.objects.filter(kind="token_revoked", object_id=str(user.pk)).exists()


def test_admin_revokes_another_users_token(client, api_client, role_users):
    user = role_users["owner"]
    key = _token(api_client, user.username).json()["token"]
    client.force_login(role_users["owner"])
    assert (
        client.post(
            reverse("accounts:user_action", args=[role_users["viewer"].pk, "revoke-tokens"])
        ).status_code
        == 403
    )
    client.force_login(role_users["admin"])
    assert key[:6] in client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    client.post(reverse("accounts:user_action", args=[user.pk, "revoke-tokens"]))
    assert _me(api_client, key).status_code == 401


def test_locked_out_user_gets_json_from_the_token_endpoint(api_client, role_users, settings):
    user = role_users["viewer"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(api_client, user.username, "wrong-password")
    r = _token(api_client, user.username)  # even the right password is refused while locked
    assert r.status_code == 403
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["error"]["code"] == "locked_out"


# --- Users: creation audit and history, password validators, unlock ---------------------------------


def test_creating_a_user_writes_audit_event_and_history(client, role_users):
    client.force_login(role_users["admin"])
    r = client.post(
        reverse("accounts:user_list"),
        {
            "username": "new-officer",
            "display_name": "新任 職員",
            "email": "",
            "password": "Shinnin-Pass-2026",
        },
    )
    assert r.status_code == 302
    user = User.objects.get(username="new-officer")
    assert AuditEvent.objects.filter(
        kind="user_create", object_id=str(user.pk), actor_username="t-admin"
    ).exists()
    change = ObjectChange.objects.get(content_type=ContentType.objects.get_for_model(User), object_id=user.pk)
    assert change.action == "create" and change.postchange_data["username"] == "new-officer"
    assert "password" not in change.postchange_data


@pytest.mark.parametrize("password", ["12345678901234", "password1234", "Short-1"])
def test_admin_set_passwords_go_through_the_validators(client, role_users, password):
    client.force_login(role_users["admin"])
    r = client.post(
        reverse("accounts:user_list"),
        {"username": "new-officer", "display_name": "", "email": "", "password": password},
    )
    assert r.status_code == 400
    assert not User.objects.filter(username="new-officer").exists()
    target = role_users["viewer"]
    r = client.post(reverse("accounts:user_action", args=[target.pk, "password"]), {"password": password})
    assert r.status_code == 400
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_admin_password_reset_rotates_tokens_and_is_audited(client, api_client, role_users):
    target = role_users["viewer"]
    key = _token(api_client, target.username).json()["token"]
    client.force_login(role_users["admin"])
    r = client.post(
        reverse("accounts:user_action", args=[target.pk, "password"]), {"password": "Atarashii-Pass-99"}
    )
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Atarashii-Pass-99")
    assert _me(api_client, key).status_code == 401
    assert AuditEvent.objects.filter(kind="password_reset", object_id=str(target.pk)).exists()


def test_locked_status_is_shown_and_admin_unlocks(client, api_client, role_users, settings):
    target = role_users["viewer"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(api_client, target.username, "wrong-password")
    client.force_login(role_users["admin"])
    assert "ロック中" in client.get(reverse("accounts:user_list")).content.decode()
    assert "ロック中" in client.get(reverse("accounts:user_detail", args=[target.pk])).content.decode()
    assert client.post(reverse("accounts:user_action", args=[target.pk, "unlock"])).status_code == 302
    assert "ロック中" not in client.get(reverse("accounts:user_list")).content.decode()
    assert _token(api_client, target.username).status_code == 200
    assert AuditEvent.objects.filter(kind="unlock", object_id=str(target.pk)).exists()


# --- Assignment form ---------------------------------------------------------------------------------


def test_assignment_form_preselects_no_role_and_shows_wareki_year(client, role_users):
    client.force_login(role_users["admin"])
    page = client.get(reverse("accounts:user_detail", args=[role_users["viewer"].pk])).content.decode()
    form = page[page.index('data-testid="assignment-form"') :]
    role_select = form[form.index('name="role"') : form.index("</select>", form.index('name="role"'))]
    assert 'value="" selected' in role_select
    assert role_select.count("selected") == 1
    assert "令和" in form[: form.index('name="role"')]  # the fiscal year in 和暦
    # Submitting without a role is refused.
    r = client.post(
        reverse("accounts:user_detail", args=[role_users["viewer"].pk]), {"fiscal_year": "令和8年度"}
    )
    assert r.status_code == 400


# --- Auditors read role assignments ------------------------------------------------------------------


def test_auditor_reads_users_and_assignments_read_only(client, role_users):
    client.force_login(role_users["auditor"])
    listing = client.get(reverse("accounts:user_list"))
    assert listing.status_code == 200 and "t-owner" in listing.content.decode()
    assert 'name="password"' not in listing.content.decode()
    detail = client.get(reverse("accounts:user_detail", args=[role_users["owner"].pk]))
    assert detail.status_code == 200 and "システム所管課" in detail.content.decode()
    assert 'data-testid="assignment-form"' not in detail.content.decode()
    assert (
        client.post(
            reverse("accounts:user_list"), {"username": "x", "password": "Shinnin-Pass-2026"}
        ).status_code
        == 403
    )
    for role in ("owner", "viewer", "advisor"):
        client.force_login(role_users[role])
        assert client.get(reverse("accounts:user_list")).status_code == 403, role


def test_make_user_helper_still_works():
    assert make_user("t-extra", None).check_password(PASSWORD)


@pytest.mark.parametrize("body", [[], ["x"], "text", {"username": ["a"], "password": None}])
def test_token_endpoint_answers_malformed_bodies_with_the_error_body(api_client, body):
    r = api_client.post("/api/v1/auth/token/", body, format="json")
    assert r.status_code == 400 and "error" in r.json()
