"""Issue 14: the directory group → role table under 管理 — who may read and edit it, what the form
refuses (in Japanese), and the history of every change."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from saiteki.accounts.choices import DirectorySource, Role
from saiteki.accounts.models import DirectoryGroupMapping
from saiteki.core.models import ObjectChange
from saiteki.core.registry import menu_groups

pytestmark = pytest.mark.django_db


def _form(**values):
    data = {
        "source": DirectorySource.ANY,
        "group_name": "",
        "role": Role.VIEWER,
        "division": "",
        "priority": "100",
        "is_active": "on",
        "note": "",
        "change_reason": "",
    }
    data.update(values)
    return data


def test_admin_creates_a_mapping_and_the_history_records_it(client, role_users, orgs):
    client.force_login(role_users["admin"])
    r = client.post(
        reverse("accounts:directorygroupmapping_add"),
        _form(
            group_name=" cn=Soumu-Ka, ou=groups, dc=saiteki, dc=test ",
            role=Role.OWNER,
            division=orgs["税務課"].pk,
            change_reason="総務課の移行",
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    mapping = DirectoryGroupMapping.objects.get()
    # Blanks around the DN's separators go: the directory sends the DN without them.
    assert mapping.group_name == "cn=Soumu-Ka,ou=groups,dc=saiteki,dc=test"
    change = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(DirectoryGroupMapping), object_id=mapping.pk
    )
    assert change.action == "create"
    assert change.reason == "総務課の移行"
    assert client.get(reverse("accounts:directorygroupmapping_history", args=[mapping.pk])).status_code == 200
    page = client.get(reverse("accounts:directorygroupmapping_list")).content.decode()
    assert "cn=Soumu-Ka,ou=groups,dc=saiteki,dc=test" in page and "未設定" in page


def test_the_form_refuses_an_owner_without_division_and_a_duplicate_group(client, role_users, orgs):
    client.force_login(role_users["admin"])
    r = client.post(reverse("accounts:directorygroupmapping_add"), _form(group_name="x", role=Role.OWNER))
    assert r.status_code == 400
    assert "システム所管課の役割には所属の指定が必要です" in r.content.decode()
    DirectoryGroupMapping.objects.create(group_name="Saiteki-Admins", role=Role.ADMIN)
    r = client.post(reverse("accounts:directorygroupmapping_add"), _form(group_name="saiteki-admins"))
    assert r.status_code == 400
    assert "既に対応付けがあります" in r.content.decode()
    # The same group for another directory is a different mapping.
    r = client.post(
        reverse("accounts:directorygroupmapping_add"),
        _form(group_name="saiteki-admins", source=DirectorySource.OIDC),
    )
    assert r.status_code == 302
    assert not DirectoryGroupMapping.objects.filter(role=Role.OWNER).exists()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.ADMIN, 200, 200),
        (Role.AUDITOR, 200, 403),
        (Role.OWNER, 403, 403),
        (Role.ADVISOR, 403, 403),
        (Role.VIEWER, 403, 403),
        ("none", 403, 403),
    ],
)
def test_only_administrators_edit_and_auditors_read(client, role_users, role, read, write):
    mapping = DirectoryGroupMapping.objects.create(group_name="committee", role=Role.VIEWER)
    client.force_login(role_users[role])
    assert client.get(reverse("accounts:directorygroupmapping_list")).status_code == read
    assert client.get(reverse("accounts:directorygroupmapping_detail", args=[mapping.pk])).status_code == read
    assert client.get(reverse("accounts:directorygroupmapping_add")).status_code == write
    r = client.post(
        reverse("accounts:directorygroupmapping_edit", args=[mapping.pk]),
        _form(group_name="committee", role=Role.ADMIN, version=mapping.version),
    )
    assert r.status_code == (302 if write == 200 else 403)
    mapping.refresh_from_db()
    assert mapping.role == (Role.ADMIN if write == 200 else Role.VIEWER)


def test_the_admin_menu_lists_the_page():
    items = [item.url_name for group in menu_groups() if group.key == "admin" for item in group.items]
    assert "accounts:directorygroupmapping_list" in items


def test_users_page_shows_the_source_and_directory_accounts_get_no_local_password(client, role_users):
    from saiteki.accounts.choices import AuthSource
    from saiteki.accounts.models import User

    directory_user = User.objects.create_user("jyoho.taro", display_name="情報 太郎")
    directory_user.set_unusable_password()
    directory_user.auth_source = AuthSource.LDAP
    directory_user.save()
    client.force_login(role_users["admin"])
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "LDAP / Active Directory" in page and "ローカル" in page
    detail = client.get(reverse("accounts:user_detail", args=[directory_user.pk])).content.decode()
    assert 'data-testid="directory-note"' in detail
    assert 'data-testid="password-form"' not in detail
    r = client.post(
        reverse("accounts:user_action", args=[directory_user.pk, "password"]),
        {"password": "Kyoukana-Pass-2026"},
        follow=True,
    )
    assert "ディレクトリで変更してください" in r.content.decode()
    directory_user.refresh_from_db()
    assert not directory_user.has_usable_password()
