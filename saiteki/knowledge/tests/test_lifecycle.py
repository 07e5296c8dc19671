"""Versions and their diff, the stale flag and the scheduled reminder, 「役に立った」, related articles,
the FAQ page, use statistics and the KPI source, the API's search and stats shapes, the global search."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.registry import registry
from saiteki.core.roles import Role
from saiteki.knowledge import services
from saiteki.knowledge.choices import ArticleKind
from saiteki.knowledge.models import Article, ArticleView, SearchLog
from saiteki.knowledge.selectors import use_rate
from saiteki.knowledge.tests.factories import admin_user, make_article

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_versions_and_diff(orgs, role_users):
    article = make_article(orgs["税務課"], "VPN接続手順", "1. 申請する\n2. 接続する")
    services.article_update(
        article=article,
        user=admin_user(),
        body="1. 申請する\n2. 証明書を入れる\n3. 接続する",
        reason="証明書の追加",
    )
    services.article_update(article=article, user=admin_user(), title="VPN接続手順（令和版）")
    article.refresh_from_db()
    assert list(article.versions.values_list("number", flat=True)) == [3, 2, 1]
    assert article.versions.get(number=2).reason == "証明書の追加"
    page = _client(role_users[Role.VIEWER]).get(
        reverse("knowledge:article_versions", args=[article.pk]), {"a": 1, "b": 2}
    )
    html = page.content.decode()
    assert "<ins>2. 証明書を入れる</ins>" in html
    assert "<del>2. 接続する</del>" in html
    # An update that changes neither title nor body adds no version.
    services.article_update(article=article, user=admin_user(), category="ネットワーク")
    assert article.versions.count() == 3


def test_conflicting_edit_is_refused(orgs):
    from saiteki.core.errors import ConflictError

    article = make_article(orgs["税務課"], "記事")
    stale_version = article.version
    services.article_update(article=article, user=admin_user(), body="先に保存")
    with pytest.raises(ConflictError):
        services.article_update(article=article, user=admin_user(), body="後から", version=stale_version)


@pytest.mark.django_db(transaction=True)
def test_stale_flag_and_reminder_job(orgs, role_users):
    from saiteki.core.jobs import job_enqueue
    from saiteki.core.models import Notification
    from saiteki.core.testing import run_pending_tasks

    owner = role_users[Role.OWNER]
    past = datetime.date.today() - datetime.timedelta(days=1)
    stale = make_article(orgs["税務課"], "古い手順", owner=owner, review_by=past)
    fresh = make_article(
        orgs["税務課"],
        "新しい手順",
        owner=owner,
        review_by=datetime.date.today() + datetime.timedelta(days=30),
    )
    assert stale.is_stale and not fresh.is_stale
    page = _client(owner).get(stale.get_absolute_url()).content.decode()
    assert 'data-testid="stale-flag"' in page

    assert "knowledge.stale_reminder" in registry.schedules
    assert registry.schedules["knowledge.stale_reminder"].job_kind in registry.job_kinds
    job_enqueue(kind="knowledge.stale_reminder", title="test", params={})  # real commits: the worker runs it
    run_pending_tasks()
    notes = Notification.objects.filter(recipient=owner, kind="knowledge.stale")
    assert [n.object_id for n in notes] == [stale.pk]
    # Not again the next day; again after a week.
    assert services.stale_articles_remind(today=datetime.date.today() + datetime.timedelta(days=1)) == 0
    assert services.stale_articles_remind(today=datetime.date.today() + datetime.timedelta(days=8)) == 1


def test_helpful_once_per_user(orgs, role_users):
    article = make_article(orgs["税務課"], "役立つ記事")
    c = _client(role_users[Role.VIEWER])
    c.post(reverse("knowledge:article_helpful", args=[article.pk]))
    c.post(reverse("knowledge:article_helpful", args=[article.pk]))
    _client(role_users[Role.ADVISOR]).post(reverse("knowledge:article_helpful", args=[article.pk]))
    assert article.helpful_votes.count() == 2
    assert "2人が役に立ったと回答" in c.get(article.get_absolute_url()).content.decode()


def test_related_articles_share_systems_or_tags(orgs, role_users):
    from saiteki.ledger.tests.factories import make_system

    system = make_system(orgs["税務課"], name="県税総合システム")
    a = make_article(orgs["税務課"], "県税FAQ", systems=[system], tags=["県税"])
    b = make_article(
        orgs["税務課"], "県税システムの障害教訓", systems=[system], tags=["県税"], kind=ArticleKind.LESSON
    )
    c = make_article(orgs["税務課"], "県税の通知", tags=["県税"])
    make_article(orgs["税務課"], "無関係な記事", tags=["図書"])
    from saiteki.knowledge.selectors import related_articles

    related = related_articles(user=role_users[Role.VIEWER], article=a)
    assert related[:2] == [b, c]  # b shares system and tag, c the tag only
    assert all(r.title != "無関係な記事" for r in related)


def test_faq_page_by_category(orgs, role_users):
    make_article(orgs["税務課"], "随意契約はいくらまで？", category="調達")
    make_article(orgs["税務課"], "入札の公告期間は？", category="調達")
    make_article(orgs["税務課"], "文書の保存年限は？", category="文書管理")
    make_article(orgs["税務課"], "手順（FAQではない）", kind=ArticleKind.PROCEDURE, category="調達")
    html = _client(role_users[Role.VIEWER]).get(reverse("knowledge:faq")).content.decode()
    positions = [
        html.index(s)
        for s in (">文書管理</h2>", "文書の保存年限は？", ">調達</h2>", "随意契約はいくらまで？")
    ]
    assert positions == sorted(positions)
    assert "手順（FAQではない）" not in html


def test_business_flow_cycle(orgs, role_users):
    article = make_article(
        orgs["税務課"],
        "予算査定の年間スケジュール",
        kind=ArticleKind.BUSINESS_FLOW,
        cycle=services.parse_cycle("4月: 予算執行開始\n10月：次年度予算要求\n2月 議会提出"),
    )
    html = _client(role_users[Role.VIEWER]).get(article.get_absolute_url()).content.decode()
    assert "次年度予算要求" in html and 'data-testid="cycle-table"' in html
    from saiteki.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.parse_cycle("13月: ありえない")


def test_use_rate_kpi_and_stats(orgs, role_users):
    fy = fiscal_year_of(datetime.date.today())
    assert "knowledge.use_rate" in registry.kpi_sources
    compute = registry.kpi_sources["knowledge.use_rate"].compute
    assert compute(fy) == 0.0  # 5 staff with a role, nobody used it yet ("none" has no role)
    article = make_article(orgs["税務課"], "県税の納付")
    _client(role_users[Role.OWNER]).get(article.get_absolute_url())
    _client(role_users[Role.VIEWER]).get(reverse("knowledge:article_list"), {"q": "存在しない語"})
    _client(role_users["none"]).get(article.get_absolute_url())  # no role: 404, not counted
    assert ArticleView.objects.count() == 1
    assert SearchLog.objects.get().result_count == 0
    # admin_user() (k-admin) holds a role too: 6 staff, 2 active.
    assert use_rate(fiscal_year=fy) == round(100 * 2 / 6, 1)
    assert compute(fy - 5) is None  # nobody held a role then

    admin = _client(role_users[Role.ADMIN])
    html = admin.get(reverse("knowledge:stats")).content.decode()
    assert "存在しない語" in html and "税務課" in html
    api = admin.get("/api/v1/knowledge/stats/").json()
    assert api["use_rate"] == round(100 * 2 / 6, 1)
    assert api["zero_queries"] == [{"query": "存在しない語", "count": 1}]
    assert {row["division"] for row in api["by_division"]} == {"税務課", "（所属なし）"}


def test_api_search_shape_and_create(orgs, role_users, api_client):
    make_article(orgs["税務課"], "電子入札の操作", "電子入札システムで入札書を提出します。")
    api_client.force_authenticate(role_users[Role.VIEWER])
    body = api_client.get("/api/v1/knowledge/search/", {"q": "入札"}).json()
    assert body["count"] == 1
    hit = body["results"][0]
    assert set(hit) >= {"id", "title", "snippet", "score"}
    assert "入札" in hit["snippet"] and hit["score"] > 0

    api_client.force_authenticate(role_users[Role.OWNER])
    response = api_client.post(
        "/api/v1/knowledge/articles/",
        {
            "kind": "faq",
            "title": "API から作成",
            "body": "本文",
            "owner_division": orgs["税務課"].pk,
            "visibility": "restricted",
            "visible_roles": ["advisor"],
            "tag_names": ["API"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = Article.objects.get(pk=response.json()["id"])
    assert created.role_list == ["advisor"] and created.versions.count() == 1
    assert response.json()["visibility"] == "restricted" and response.json()["title"] == "API から作成"
    denied = api_client.post(
        "/api/v1/knowledge/articles/",
        {"kind": "faq", "title": "他所属", "owner_division": orgs["県立図書館"].pk},
        format="json",
    )
    assert denied.status_code == 403
    assert "error" in denied.json()


def test_global_search_covers_systems_karte_and_articles(orgs, role_users):
    from saiteki.core.services import journal_entry_create
    from saiteki.ledger.tests.factories import make_system

    tax = make_system(orgs["税務課"], name="県税総合システム")
    library = make_system(orgs["県立図書館"], name="図書館の県税資料システム")
    journal_entry_create(
        obj=tax,
        author=None,
        kind="incident",
        date=datetime.date.today(),
        title="県税バッチの停止",
        body="夜間",
    )
    journal_entry_create(
        obj=library, author=None, kind="note", date=datetime.date.today(), title="図書館の県税メモ"
    )
    make_article(orgs["税務課"], "県税の納付方法")
    html = _client(role_users[Role.OWNER]).get(reverse("core:search"), {"q": "県税"}).content.decode()
    assert "県税総合システム" in html and "県税バッチの停止" in html and "県税の納付方法" in html
    # The owner sees only their own 所属's systems and karte.
    assert "図書館の県税資料システム" not in html and "図書館の県税メモ" not in html
    keys = list(registry.search_sources)
    assert {"ledger.systems", "ledger.karte", "knowledge.articles"} <= set(keys)


def test_suggestions_prefix_first(orgs, role_users):
    make_article(orgs["税務課"], "VPNの申請")
    make_article(orgs["税務課"], "テレワークとVPN")
    html = (
        _client(role_users[Role.VIEWER]).get(reverse("knowledge:suggest"), {"q": "ｖｐｎ"}).content.decode()
    )
    assert html.index("VPNの申請") < html.index("テレワークとVPN")
