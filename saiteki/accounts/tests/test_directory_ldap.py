"""Issue 14: login through an LDAP directory — a real OpenLDAP (Debian's slapd) started for the session
and seeded with people in groups (data/directory.ldif); no mock of the protocol.

Directory groups map to roles and 所属 through the table admins edit; a user in no mapped group is
refused with a Japanese message; local break-glass accounts keep working, also when the directory is
down, and are never taken over by a directory entry of the same name; the audit log records the source.
"""

from __future__ import annotations

import datetime
import time

import pytest
from django.urls import reverse

from saiteki.accounts.choices import AuthSource, DirectorySource, Role
from saiteki.accounts.models import Assignment, DirectoryGroupMapping, User
from saiteki.accounts.selectors import directory_mapping_for
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import AuditEvent, ObjectChange
from saiteki.core.testing import make_user

from .conftest import use_ldap
from .servers import free_port

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _assignment(user):
    return Assignment.objects.get(user=user, fiscal_year=fiscal_year_of(datetime.date.today()))


def test_directory_admin_logs_in_with_the_role_of_the_group(client, directory):
    r = _login(client, "jyoho.taro", "Directory-Pass-1")
    assert r.status_code == 302, r.content.decode()[:2000]
    user = User.objects.get(username="jyoho.taro")
    assert user.auth_source == AuthSource.LDAP
    assert user.display_name == "情報 太郎"  # displayName, UTF-8 from the directory
    assert user.email == "jyoho.taro@pref.example.jp"
    assert not user.has_usable_password()  # the directory checks the password, never Saiteki
    assert _assignment(user).role == Role.ADMIN
    assert client.get(reverse("accounts:user_list")).status_code == 200  # the admin's page works

    login = AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN, actor_username="jyoho.taro").get()
    assert login.detail == {"source": "ldap"}
    assert login.actor_role == Role.ADMIN
    created = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CREATE, object_id=str(user.pk))
    assert created.detail == {"source": "ldap"}
    role_change = AuditEvent.objects.get(kind=AuditEvent.Kind.ROLE_CHANGE, object_id=str(user.pk))
    assert role_change.detail["after"]["role"] == Role.ADMIN
    assert "saiteki-admins" in role_change.detail["reason"]
    history = ObjectChange.objects.filter(object_repr__contains="情報 太郎")
    assert history.filter(action="create").exists()


def test_owner_group_gives_the_role_and_the_division(client, directory, orgs):
    assert _login(client, "Soumu.Hanako", "Directory-Pass-2").status_code == 302
    user = User.objects.get(username="soumu.hanako")  # one account whatever the case typed
    assignment = _assignment(user)
    assert (assignment.role, assignment.division) == (Role.OWNER, orgs["税務課"])


def test_group_matched_by_its_dn(client, directory):
    assert _login(client, "iin.jiro", "Directory-Pass-3").status_code == 302
    assert _assignment(User.objects.get(username="iin.jiro")).role == Role.VIEWER


def test_user_in_no_mapped_group_is_refused_with_a_clear_message(client, directory):
    r = _login(client, "ippan.saburo", "Directory-Pass-4")
    assert r.status_code == 200
    page = r.content.decode()
    assert "Saiteki の役割が割り当てられたグループに所属していない" in page
    assert "情報政策課にお問い合わせください" in page
    assert not User.objects.filter(username="ippan.saburo").exists()  # nothing is created
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED, actor_username="ippan.saburo")
    assert failed.detail == {"source": "ldap", "reason": "no_mapped_group"}
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN).exists()


def test_wrong_directory_password_is_the_usual_message(client, directory):
    r = _login(client, "jyoho.taro", "not-the-password")
    assert r.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in r.content.decode()
    assert not User.objects.filter(username="jyoho.taro").exists()


def test_break_glass_local_account_is_not_taken_over_by_the_directory(client, directory, orgs):
    local = make_user("breakglass", Role.ADMIN, orgs["情報政策課"], password="Local-Break-Glass-1")
    # The directory has a "breakglass" too, with another password, in the admins group: refused.
    r = _login(client, "breakglass", "Directory-Pass-5")
    assert r.status_code == 200
    assert "ローカルアカウントとして登録されているため" in r.content.decode()
    local.refresh_from_db()
    assert (local.auth_source, local.email) == (AuthSource.LOCAL, "")
    assert local.has_usable_password()
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED, actor_username="breakglass")
    assert failed.detail == {"source": "ldap", "reason": "local_account"}
    # The local password still works, recorded as a local login.
    assert _login(client, "breakglass", "Local-Break-Glass-1").status_code == 302
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN, actor_username="breakglass")
    assert login.detail == {"source": "local"}


def test_local_login_works_while_the_directory_is_down(client, settings, ldap_server, orgs):
    make_user("breakglass", Role.ADMIN, orgs["情報政策課"], password="Local-Break-Glass-1")
    DirectoryGroupMapping.objects.create(group_name="saiteki-admins", role=Role.ADMIN)
    nobody_listens = f"ldap://127.0.0.1:{free_port()}/"
    use_ldap(settings, ldap_server.env(LDAP_SERVER_URI=nobody_listens))

    started = time.monotonic()
    r = _login(client, "jyoho.taro", "Directory-Pass-1")
    assert time.monotonic() - started < 10
    assert r.status_code == 200
    assert "ディレクトリサーバーに接続できない" in r.content.decode()
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED, actor_username="jyoho.taro")
    assert failed.detail == {"source": "ldap", "reason": "directory_unavailable"}

    r = _login(client, "breakglass", "Local-Break-Glass-1")
    assert r.status_code == 302
    assert client.get(reverse("accounts:user_list")).status_code == 200


def test_a_changed_mapping_applies_at_the_next_login(client, directory):
    assert _login(client, "jyoho.taro", "Directory-Pass-1").status_code == 302
    client.logout()
    mapping = DirectoryGroupMapping.objects.get(group_name="saiteki-admins")
    mapping.role = Role.ADVISOR
    mapping.save()
    assert _login(client, "jyoho.taro", "Directory-Pass-1").status_code == 302
    user = User.objects.get(username="jyoho.taro")
    assert _assignment(user).role == Role.ADVISOR
    changes = AuditEvent.objects.filter(kind=AuditEvent.Kind.ROLE_CHANGE, object_id=str(user.pk))
    assert [e.detail["after"]["role"] for e in changes.order_by("id")] == [Role.ADMIN, Role.ADVISOR]
    # A mapping switched off admits nobody.
    client.logout()
    mapping.is_active = False
    mapping.save()
    assert _login(client, "jyoho.taro", "Directory-Pass-1").status_code == 200


def test_directory_user_gets_an_api_token_and_the_audit_says_ldap(api_client, directory):
    r = api_client.post(
        "/api/v1/auth/token/", {"username": "jyoho.taro", "password": "Directory-Pass-1"}, format="json"
    )
    assert r.status_code == 200, r.content
    issued = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_ISSUED, actor_username="jyoho.taro")
    assert issued.detail == {"source": "ldap"}
    r = api_client.post(
        "/api/v1/auth/token/", {"username": "ippan.saburo", "password": "Directory-Pass-4"}, format="json"
    )
    assert r.status_code == 400
    assert "グループに所属していない" in r.json()["error"]["message"]


def test_mapping_selection_prefers_the_smallest_priority(orgs):
    DirectoryGroupMapping.objects.create(group_name="all-staff", role=Role.VIEWER, priority=500)
    admins = DirectoryGroupMapping.objects.create(group_name="Saiteki-Admins", role=Role.ADMIN, priority=10)
    DirectoryGroupMapping.objects.create(
        source=DirectorySource.OIDC, group_name="oidc-only", role=Role.AUDITOR, priority=1
    )
    found = directory_mapping_for(source="ldap", groups=["all-staff", "saiteki-admins", "oidc-only"])
    assert found == admins
    assert directory_mapping_for(source="ldap", groups=["oidc-only"]) is None
    assert directory_mapping_for(source="oidc", groups=["oidc-only", "saiteki-admins"]).role == Role.AUDITOR
    assert directory_mapping_for(source="ldap", groups=[]) is None
