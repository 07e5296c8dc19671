"""Search recall and precision on a fixed Japanese corpus, for 1-, 2-, 3- and long-character words.

Runs on SQLite (FTS5 gram table) and on PostgreSQL (GIN over the gram array) alike: every article
whose text contains the word is found (recall 100%), none without it is returned, and articles where
the word is a word of the title rank above those that merely contain it.
"""

import pytest

from saiteki.knowledge import text as t
from saiteki.knowledge.models import Article
from saiteki.knowledge.searchindex import parse_query
from saiteki.knowledge.selectors import article_search
from saiteki.knowledge.tests.factories import make_article

pytestmark = pytest.mark.django_db

CORPUS = [
    ("県税の納付方法", "県税はコンビニ、口座振替、スマートフォン決済で納付できます。"),
    ("自動車税の減免", "身体障害者等の自動車税は申請により減免されます。"),
    ("税務課への問い合わせ先", "担当は税務課課税班です。"),
    ("電子入札の操作", "電子入札システムでの入札書の提出方法。ICカードが必要です。"),
    ("入札参加資格の審査", "競争入札の参加資格は2年ごとに審査します。"),
    ("随意契約の上限額", "地方自治法施行令第167条の2により、予定価格が一定額以下なら随意契約できます。"),
    ("契約書の押印", "電子契約では押印は不要です。紙の契約書は2部作成します。"),
    ("バックアップの取得手順", "毎日23時に差分バックアップ、日曜に完全バックアップを取得します。"),
    ("VPN接続の申請", "テレワークでＶＰＮを使うには情報政策課へ申請します。"),
    ("文書管理の基本", "公文書は起案から保存まで文書管理システムで行います。"),
    ("東京都との共同調達", "東京都と共同でクラウドを調達した事例。"),
    ("京都府の事例", "京都府では情報システムの標準化を進めています。"),
    ("休暇の申請", "庶務事務システムで申請します。"),
    ("Excel様式の入力規則", "様式はｴｸｾﾙで配布します。全角と半角に注意。"),
]

QUERIES = [
    "税",
    "入札",
    "契約",
    "契約書",
    "バックアップ",
    "随意契約の上限",
    "京都",
    "vpn",
    "エクセル",
    "申請",
    "情報システム",
]


@pytest.fixture
def corpus(orgs):
    return [make_article(orgs["税務課"], title, body) for title, body in CORPUS]


def expected_ids(word: str) -> set[int]:
    term = t.normalize(word)
    return {
        a.pk for a in Article.objects.all() if term in t.normalize(f"{a.title}\n{t.markdown_plain(a.body)}")
    }


@pytest.mark.parametrize("word", QUERIES)
def test_recall_and_precision(corpus, role_users, word):
    page = article_search(user=role_users["viewer"], q=word, limit=100)
    found = [r.article.pk for r in page.results]
    assert set(found) == expected_ids(word), word
    assert page.count == len(found)


def test_every_length_is_found(corpus, role_users):
    # 1, 2, 3 and 6 characters, as in the benchmark.
    for word, minimum in (("税", 3), ("入札", 2), ("契約書", 1), ("バックアップ", 1)):
        assert article_search(user=role_users["viewer"], q=word).count >= minimum, word


def test_title_word_ranks_above_mere_substring(corpus, role_users):
    page = article_search(user=role_users["viewer"], q="税", limit=100)
    titles = [r.article.title for r in page.results]
    # 「税務課」 contains 税 only inside a longer word: it ranks below the articles about 税 itself.
    assert titles.index("税務課への問い合わせ先") > titles.index("自動車税の減免")
    assert titles.index("税務課への問い合わせ先") > titles.index("県税の納付方法")
    scores = [r.score for r in page.results]
    assert scores == sorted(scores, reverse=True)


def test_kyoto_ranks_the_word_above_the_accidental_ngram(corpus, role_users):
    page = article_search(user=role_users["viewer"], q="京都", limit=100)
    titles = [r.article.title for r in page.results]
    assert set(titles) == {"東京都との共同調達", "京都府の事例"}
    assert titles[0] == "京都府の事例"  # 東京都 contains 京都 only as an n-gram across words


def test_width_and_case_are_normalised(corpus, role_users):
    assert {r.article.title for r in article_search(user=role_users["viewer"], q="ＶＰＮ").results} == {
        "VPN接続の申請"
    }
    assert [r.article.title for r in article_search(user=role_users["viewer"], q="ｴｸｾﾙ").results] == [
        "Excel様式の入力規則"
    ]


def test_all_terms_must_match(corpus, role_users):
    page = article_search(user=role_users["viewer"], q="入札　ICカード")
    assert [r.article.title for r in page.results] == ["電子入札の操作"]
    assert article_search(user=role_users["viewer"], q="入札 存在しない語").count == 0


def test_snippet_highlights_the_word(corpus, role_users):
    page = article_search(user=role_users["viewer"], q="差分")
    assert "<mark>差分</mark>" in page.results[0].snippet.html


def test_snippet_escapes_html(orgs, role_users):
    make_article(orgs["税務課"], "エスケープ", "<b>太字</b>と税の説明")
    html = article_search(user=role_users["viewer"], q="税").results[0].snippet.html
    assert "<b>" not in html and "<mark>税</mark>" in html


def test_updates_reindex(corpus, role_users):
    from saiteki.knowledge import services
    from saiteki.knowledge.tests.factories import admin_user

    article = Article.objects.get(title="休暇の申請")
    services.article_update(
        article=article, user=admin_user(), body="年次休暇は庶務事務システムで申請します。"
    )
    assert article_search(user=role_users["viewer"], q="年次休暇").count == 1
    services.article_update(article=article, user=admin_user(), body="変更後の本文")
    assert article_search(user=role_users["viewer"], q="年次休暇").count == 0


def test_punctuation_only_query_falls_back_to_a_scan(orgs, role_users):
    make_article(orgs["税務課"], "記号", "A・B・C の区切り")
    assert article_search(user=role_users["viewer"], q="・").count == 1


def test_parse_query():
    assert parse_query("  入札　ＶＰＮ  入札 ") == ["入札", "vpn"]


# --- the database-specific fast paths give the same answer as the generic SQL path -----------------


def _generic(user, word: str, **filters) -> list[tuple[int, float]]:
    """The reference: the portable ORM path (gram candidates, substring check, scored by SQL
    expressions), every hit ranked; what PostgreSQL ran before the narrow key table."""
    from saiteki.knowledge.searchindex import filter_matching, with_score

    qs = Article.objects.visible_to(user).filter(**filters)
    terms = parse_query(word)
    rows = with_score(filter_matching(qs, terms), terms).order_by("-score", "-updated_at", "-id")
    return [(pk, float(score)) for pk, score in rows.values_list("pk", "score")]


@pytest.mark.parametrize("word", [*QUERIES, "税 申請", "県税　納付", "バックアップ 取得手順"])
@pytest.mark.parametrize("who", ["viewer", "owner", "admin"])
def test_fast_path_matches_the_generic_path(corpus, orgs, role_users, word, who):
    from django.db import connection

    from saiteki.knowledge.choices import Visibility

    # Restricted articles on both sides of the visibility rule, so the hidden-id exclusion is exercised.
    make_article(
        orgs["税務課"], "県税の内部手順", "県税の納付を確認します。", visibility=Visibility.RESTRICTED
    )
    make_article(orgs["税務課"], "入札の内部メモ", "入札の申請を審査します。", visibility=Visibility.RESTRICTED,
                 visible_roles=["viewer"])  # fmt: skip
    user = role_users[who]
    reference = _generic(user, word)
    page = article_search(user=user, q=word, limit=100)
    assert page.count == len(reference)
    assert {r.article.pk for r in page.results} == {pk for pk, _ in reference}
    if connection.vendor == "postgresql":
        # Same evidence, same weights: identical order and scores, not only the same set.
        assert [(r.article.pk, r.score) for r in page.results] == reference
    # Paging: the count does not depend on the page, and pages do not overlap.
    first, second = (article_search(user=user, q=word, limit=2, offset=o) for o in (0, 2))
    assert first.count == second.count == len(reference)
    assert not {r.article.pk for r in first.results} & {r.article.pk for r in second.results}


def test_fast_path_with_a_filter_matches_the_generic_path(corpus, role_users):
    from django.db import connection

    from saiteki.knowledge.choices import ArticleKind

    Article.objects.filter(title__in=["県税の納付方法", "電子入札の操作"]).update(kind=ArticleKind.PROCEDURE)
    user = role_users["viewer"]
    for word in ("税", "入札", "納付", "電子入札"):
        reference = _generic(user, word, kind=ArticleKind.PROCEDURE)
        page = article_search(user=user, q=word, kind=ArticleKind.PROCEDURE, limit=100)
        assert reference and page.count == len(reference), word
        if connection.vendor == "postgresql":
            assert [(r.article.pk, r.score) for r in page.results] == reference, word
        else:  # SQLite ranks with bm25 inside FTS5: the same articles, its own order
            assert {r.article.pk for r in page.results} == {pk for pk, _ in reference}, word
