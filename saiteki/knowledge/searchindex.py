"""The article search engine: index rows, candidate lookup by grams, exact verification, ranking.

How a query is answered (docs/adr/0005-japanese-search.md):

1. the query is normalised (NFKC, lower case) and split into terms on spaces; every term must occur;
2. **candidates** come from the gram index — every text containing a term contains all of the term's
   bigrams (or its one character): SQLite FTS5 (``knowledge_gram_fts``, unicode61 over the stored gram
   list) or PostgreSQL GIN over ``string_to_array(grams, ' ')``. This finds 1-character words (税),
   2-character words (入札) and long ones alike, which trigram indexes cannot;
3. **verification**: the term must occur as a substring of the normalised text (``instr``/``strpos``),
   so bigrams that happen to co-occur never produce a false hit — every article containing the term is
   found and none without it;
4. **ranking** by SudachiPy words: a term that is a whole word of the title scores highest, then the
   head (last part) of a title word, then a substring of the title, then whole words and heads in the
   body (capped), so 「税」 ranks articles about 県税 or 税 above one that merely mentions 税務課.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.functions import Cast, Least, Length, Replace, StrIndex

from . import text as t
from .models import Article, ArticleSearch

MAX_TERMS = 5
MAX_TERM_CHARS = 100

# Ranking weights (per term): whole word of the title > head of a title word > substring of the title >
# whole words in the body > heads of body words. A "head" is a word ending in the term: Japanese
# compounds are right-headed, so 県税・自動車税 are kinds of 税 while 税務課 is a kind of 課.
W_TITLE_WORD = 10
W_TITLE_HEAD = 7
W_TITLE_SUBSTRING = 5
W_BODY_WORD = 2
W_BODY_HEAD = 1
BODY_WORD_CAP = 10
W_PRESENT = 1  # every verified hit contains the term somewhere


def parse_query(q: str) -> list[str]:
    """Normalised terms of a query (space or full-width space separated), at most :data:`MAX_TERMS`."""
    terms = [term[:MAX_TERM_CHARS] for term in t.normalize(q or "").split()]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def index_text(article: Article) -> tuple[str, str]:
    """Plain title and plain searchable text (title, category, tags, body, attachments' text)."""
    parts = [article.title, article.category]
    if article.pk:
        parts.extend(article.tags.values_list("name", flat=True))
    parts.append(t.markdown_plain(article.body))
    if article.pk:
        parts.extend(article.attachments.values_list("text", flat=True))
    return article.title, "\n".join(p for p in parts if p)[: t.MAX_INDEX_CHARS]


def build_row(article_id: int, title: str, plain: str) -> ArticleSearch:
    """The index row for an article (not saved): normalised text, tokens and grams."""
    norm_title = t.normalize(title)
    norm_text = t.normalize(plain)
    return ArticleSearch(
        article_id=article_id,
        title=norm_title[:200],
        text=norm_text,
        title_tokens=t.tokens_text(t.tokens(title)),
        tokens=t.tokens_text(t.tokens(plain)),
        grams=t.grams_text(norm_text),
    )


def index_article(article: Article) -> None:
    """Write (or rewrite) the article's index row. Called by every service that changes what is
    searchable (article create/update, attachment add/remove); the FTS table follows by trigger."""
    title, plain = index_text(article)
    row = build_row(article.pk, title, plain)
    ArticleSearch.objects.update_or_create(
        article_id=article.pk,
        defaults={
            "title": row.title,
            "text": row.text,
            "title_tokens": row.title_tokens,
            "tokens": row.tokens,
            "grams": row.grams,
        },
    )


def _candidates(grams: list[str]) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL(
            "SELECT article_id FROM knowledge_articlesearch WHERE string_to_array(grams, ' ') @> %s::text[]",
            (grams,),
        )
    match = " AND ".join(f'"{g}"' for g in grams)
    return RawSQL("SELECT rowid FROM knowledge_gram_fts WHERE knowledge_gram_fts MATCH %s", (match,))


def filter_matching(qs: QuerySet, terms: list[str]) -> QuerySet:
    """Articles containing every term (candidates from the gram index, then an exact substring check)."""
    needed: list[str] = []
    for term in terms:
        needed.extend(g for g in t.query_grams(term) if g not in needed)
    if needed:
        qs = qs.filter(pk__in=_candidates(needed))
    for i, term in enumerate(terms):
        qs = qs.alias(**{f"_hit{i}": StrIndex(F("search_index__text"), Value(term))}).filter(
            **{f"_hit{i}__gt": 0}
        )
    return qs


def _flag(expr) -> Case:
    return Case(When(Q(**{f"{expr}__gt": 0}), then=Value(1)), default=Value(0), output_field=IntegerField())


def _occurrences(field: str, needle: str) -> ExpressionWrapper:
    """How often ``needle`` occurs in ``field`` (length difference after removing it)."""
    return ExpressionWrapper(
        (Length(F(field)) - Length(Replace(F(field), Value(needle), Value("")))) / Value(len(needle)),
        output_field=IntegerField(),
    )


def with_score(qs: QuerySet, terms: list[str]) -> QuerySet:
    """Annotate ``score`` (see the module docstring for the order of evidence)."""
    total = None
    for i, term in enumerate(terms):
        word = f" {term} "
        head = f"{term} "
        qs = qs.alias(
            **{
                f"_tw{i}": StrIndex(F("search_index__title_tokens"), Value(word)),
                f"_th{i}": StrIndex(F("search_index__title_tokens"), Value(head)),
                f"_ts{i}": StrIndex(F("search_index__title"), Value(term)),
            }
        )
        part = (
            _flag(f"_tw{i}") * Value(W_TITLE_WORD)
            + _flag(f"_th{i}") * Value(W_TITLE_HEAD)
            + _flag(f"_ts{i}") * Value(W_TITLE_SUBSTRING)
            + Least(_occurrences("search_index__tokens", word), Value(BODY_WORD_CAP)) * Value(W_BODY_WORD)
            + Least(_occurrences("search_index__tokens", head), Value(BODY_WORD_CAP)) * Value(W_BODY_HEAD)
            + Value(W_PRESENT)
        )
        total = part if total is None else total + part
    if total is None:
        return qs.annotate(score=Value(0.0, output_field=FloatField()))
    return qs.annotate(score=Cast(total, FloatField()))


@dataclass
class RankedIds:
    """Every matching article id, best first, with its score (the page is cut from this list)."""

    ids: list[int]
    scores: dict[int, float]

    @property
    def count(self) -> int:
        return len(self.ids)


def ranked_ids(qs: QuerySet, terms: list[str]) -> RankedIds:
    """All matching ids of ``qs`` (already visibility-filtered) ranked by score, in one query."""
    if not terms:
        rows = list(qs.order_by("-updated_at", "-id").values_list("pk", flat=True))
        return RankedIds(ids=rows, scores={})
    qs = with_score(filter_matching(qs, terms), terms)
    rows = list(qs.order_by("-score", "-updated_at", "-id").values_list("pk", "score"))
    return RankedIds(ids=[r[0] for r in rows], scores={r[0]: float(r[1]) for r in rows})
