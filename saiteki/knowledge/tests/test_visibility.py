"""Restricted articles never appear for users without access — in lists, search (page, API, global
search), the FAQ, the API, attachments, related articles, statistics and the karte links — and who may
write which article (admins all, owners their own 所属's, the others none)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from saiteki.core.roles import Role
from saiteki.knowledge import services
from saiteki.knowledge.choices import ArticleKind, Visibility
from saiteki.knowledge.models import Article
from saiteki.knowledge.tests.factories import admin_user, make_article

pytestmark = pytest.mark.django_db

SECRET = "秘匿語句"


@pytest.fixture
def articles(orgs):
    public = make_article(orgs["情報政策課"], f"公開の記事 {SECRET}", "全職員向け。税の説明。")
    advisor_only = make_article(
        orgs["情報政策課"],
        f"補佐官限定 {SECRET}",
        "税の検討メモ",
        visibility=Visibility.RESTRICTED,
        visible_roles=[Role.ADVISOR],
    )
    library_only = make_article(
        orgs["情報政策課"],
        f"図書館限定 {SECRET}",
        "税の資料",
        visibility=Visibility.RESTRICTED,
        visible_divisions=[orgs["県立図書館"]],
    )
    own_division = make_article(
        orgs["税務課"], f"税務課内部 {SECRET}", "税の内部手順", visibility=Visibility.RESTRICTED
    )
    for a in (public, advisor_only, library_only, own_division):
        services.attachment_add(
            article=a, user=admin_user(), upload=SimpleUploadedFile("memo.txt", f"添付の{SECRET}".encode())
        )
    return {"public": public, "advisor": advisor_only, "library": library_only, "own": own_division}


def expected(role_users, orgs):
    from saiteki.core.testing import make_user

    librarian = make_user("t-librarian", Role.OWNER, orgs["県立図書館"])
    return {
        role_users[Role.ADMIN]: {"public", "advisor", "library", "own"},
        role_users[Role.OWNER]: {"public", "own"},  # 税務課: its own restricted article
        role_users[Role.ADVISOR]: {"public", "advisor"},
        role_users[Role.VIEWER]: {"public"},
        role_users[Role.AUDITOR]: {"public"},
        librarian: {"public", "library"},
        role_users["none"]: set(),
    }


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_visible_to_is_the_one_rule(articles, role_users, orgs):
    for user, keys in expected(role_users, orgs).items():
        ids = set(Article.objects.visible_to(user).values_list("pk", flat=True))
        assert ids == {articles[k].pk for k in keys}, user.username


def test_every_surface_respects_visibility(articles, role_users, orgs, api_client):
    for user, keys in expected(role_users, orgs).items():
        allowed = {articles[k].pk for k in keys}
        hidden = {a.pk for a in articles.values()} - allowed
        c = _client(user)
        if user == role_users["none"]:
            assert c.get(reverse("knowledge:article_list"), {"q": SECRET}).status_code == 403
            api_client.force_authenticate(user)
            assert api_client.get("/api/v1/knowledge/search/", {"q": SECRET}).status_code == 403
            assert api_client.get("/api/v1/knowledge/articles/").status_code == 403
            continue
        # search page (title, body and attachment text)
        for q in (SECRET, "税", f"添付の{SECRET}"):
            page = c.get(reverse("knowledge:article_list"), {"q": q}).content.decode()
            for pk in hidden:
                assert f"/knowledge/articles/{pk}/" not in page, (user.username, q)
        # detail page and attachments
        for article in articles.values():
            status = c.get(article.get_absolute_url()).status_code
            assert status == (200 if article.pk in allowed else 404), (user.username, article.title)
            attachment = article.attachments.get()
            status = c.get(reverse("knowledge:attachment_download", args=[attachment.pk])).status_code
            assert status == (200 if article.pk in allowed else 404), (user.username, "attachment")
        # API list, detail and search
        api_client.force_authenticate(user)
        listed = {row["id"] for row in api_client.get("/api/v1/knowledge/articles/").json()["results"]}
        assert listed == allowed, user.username
        for pk in hidden:
            assert api_client.get(f"/api/v1/knowledge/articles/{pk}/").status_code == 404
        found = {
            r["id"] for r in api_client.get("/api/v1/knowledge/search/", {"q": SECRET}).json()["results"]
        }
        assert found == allowed, user.username
        # global search
        page = c.get(reverse("core:search"), {"q": SECRET}).content.decode()
        for pk in hidden:
            assert f"/knowledge/articles/{pk}/" not in page


def test_faq_suggestions_and_related_respect_visibility(articles, role_users, orgs):
    viewer = _client(role_users[Role.VIEWER])
    assert "補佐官限定" not in viewer.get(reverse("knowledge:faq")).content.decode()
    assert "補佐官限定" not in viewer.get(reverse("knowledge:suggest"), {"q": "補佐官"}).content.decode()
    advisor = _client(role_users[Role.ADVISOR])
    assert "補佐官限定" in advisor.get(reverse("knowledge:suggest"), {"q": "補佐官"}).content.decode()
    page = viewer.get(articles["public"].get_absolute_url()).content.decode()
    assert "補佐官限定" not in page and "図書館限定" not in page


def test_karte_links_respect_visibility(orgs, role_users):
    from saiteki.ledger.tests.factories import make_system

    system = make_system(orgs["税務課"], name="県税総合システム")
    make_article(orgs["税務課"], "県税総合システムのFAQ", "公開", systems=[system])
    make_article(
        orgs["情報政策課"],
        "補佐官だけの検討",
        "限定",
        systems=[system],
        visibility=Visibility.RESTRICTED,
        visible_roles=[Role.ADVISOR],
    )
    page = _client(role_users[Role.OWNER]).get(system.get_absolute_url() + "?tab=karte").content.decode()
    assert "県税総合システムのFAQ" in page
    assert "補佐官だけの検討" not in page
    page = _client(role_users[Role.ADMIN]).get(system.get_absolute_url() + "?tab=karte").content.decode()
    assert "補佐官だけの検討" in page


# --- writing ------------------------------------------------------------------------------------


def _values(orgs, division="税務課"):
    return {
        "kind": ArticleKind.PROCEDURE,
        "title": "手順",
        "body": "本文",
        "owner_division": orgs[division],
        "visibility": Visibility.ALL,
    }


@pytest.mark.parametrize(
    "role,division,allowed",
    [
        (Role.ADMIN, "税務課", True),
        (Role.ADMIN, "県立図書館", True),
        (Role.OWNER, "税務課", True),  # own 所属
        (Role.OWNER, "県立図書館", False),  # another 所属
        (Role.ADVISOR, "税務課", False),
        (Role.VIEWER, "税務課", False),
        (Role.AUDITOR, "税務課", False),
    ],
)
def test_who_may_create(role_users, orgs, role, division, allowed):
    from saiteki.core.errors import PermissionDeniedError

    user = role_users[role]
    if allowed:
        assert services.article_create(user=user, **_values(orgs, division)).pk
    else:
        with pytest.raises(PermissionDeniedError):
            services.article_create(user=user, **_values(orgs, division))


def test_owner_edits_own_division_only_and_cannot_give_it_away(role_users, orgs):
    from saiteki.core.errors import PermissionDeniedError

    owner = role_users[Role.OWNER]
    own = make_article(orgs["税務課"], "税務課の手順")
    other = make_article(orgs["県立図書館"], "図書館の手順")
    services.article_update(article=own, user=owner, body="更新")
    with pytest.raises(PermissionDeniedError):
        services.article_update(article=other, user=owner, body="更新")
    with pytest.raises(PermissionDeniedError):
        services.article_update(article=own, user=owner, owner_division=orgs["県立図書館"])
    for role in (Role.ADVISOR, Role.VIEWER, Role.AUDITOR):
        with pytest.raises(PermissionDeniedError):
            services.article_update(article=own, user=role_users[role], body="x")


def test_edit_pages_and_api_writes(role_users, orgs, api_client):
    own = make_article(orgs["税務課"], "税務課の手順")
    other = make_article(orgs["県立図書館"], "図書館の手順")
    owner = _client(role_users[Role.OWNER])
    assert owner.get(reverse("knowledge:article_edit", args=[own.pk])).status_code == 200
    assert owner.get(reverse("knowledge:article_edit", args=[other.pk])).status_code == 403
    assert _client(role_users[Role.ADVISOR]).get(reverse("knowledge:article_add")).status_code == 403
    api_client.force_authenticate(role_users[Role.OWNER])
    assert (
        api_client.patch(f"/api/v1/knowledge/articles/{own.pk}/", {"body": "API"}, format="json").status_code
        == 200
    )
    assert (
        api_client.patch(f"/api/v1/knowledge/articles/{other.pk}/", {"body": "x"}, format="json").status_code
        == 403
    )
    api_client.force_authenticate(role_users[Role.VIEWER])
    assert (
        api_client.patch(f"/api/v1/knowledge/articles/{own.pk}/", {"body": "x"}, format="json").status_code
        == 403
    )


def test_attachment_upload_needs_change_right(role_users, orgs):
    other = make_article(orgs["県立図書館"], "図書館の手順")
    c = _client(role_users[Role.OWNER])
    c.post(
        reverse("knowledge:attachment_add", args=[other.pk]),
        {"file": SimpleUploadedFile("a.txt", b"abc")},
    )
    assert other.attachments.count() == 0


def test_stats_need_the_right(articles, role_users):
    for role, status in (
        (Role.ADMIN, 200),
        (Role.ADVISOR, 200),
        (Role.AUDITOR, 200),
        (Role.OWNER, 403),
        (Role.VIEWER, 403),
    ):
        assert _client(role_users[role]).get(reverse("knowledge:stats")).status_code == status, role
