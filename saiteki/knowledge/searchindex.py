"""The article search engine: index rows, candidate lookup by grams, exact verification, ranking.

How a query is answered (docs/adr/0005-japanese-search.md):

1. the query is normalised (NFKC, lower case) and split into terms on spaces; every term must occur;
2. **candidates** come from the gram index — every text containing a term contains all of the term's
   bigrams (or its one character): SQLite FTS5 (``knowledge_gram_fts``, unicode61 over the stored gram
   list) or, on PostgreSQL, GIN over the key array of the narrow table ``knowledge_searchkeys``
   (migration 0006, kept in step with the index rows by trigger). This finds 1-character words (税),
   2-character words (入札) and long ones alike, which trigram indexes cannot;
3. **verification**: the term must occur as a substring of the normalised text (``instr``/``strpos``),
   so bigrams that happen to co-occur never produce a false hit — every article containing the term is
   found and none without it;
4. **ranking** by SudachiPy words: a term that is a whole word of the title scores highest, then the
   head (last part) of a title word, then a substring of the title, then a whole word or a word head
   in the body, so 「税」 ranks articles about 県税 or 税 above one that merely mentions 税務課.
"""

from __future__ import annotations

import json
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
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, StrIndex

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
W_BODY_WORD = 3
W_BODY_HEAD = 2
W_PRESENT = 1  # every verified hit contains the term somewhere


INDEX_FIELDS = (
    "title",
    "text",
    "title_tokens",
    "tokens",
    "grams",
    "bigram_seq",
    "title_grams",
    "title_seq",
    "title_heads",
    "heads",
)


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
    title_words = t.tokens(title)
    words = t.tokens(plain)
    return ArticleSearch(
        article_id=article_id,
        title=norm_title[:200],
        text=norm_text,
        title_tokens=t.tokens_text(title_words),
        tokens=t.tokens_text(words),
        grams=t.grams_text(norm_text),
        bigram_seq=t.bigram_stream(norm_text),
        title_grams=t.grams_text(norm_title),
        title_seq=t.bigram_stream(norm_title),
        title_heads=t.heads_text(title_words),
        heads=t.heads_text(words),
    )


def index_article(article: Article) -> None:
    """Write (or rewrite) the article's index row. Called by every service that changes what is
    searchable (article create/update, attachment add/remove); the FTS table follows by trigger."""
    title, plain = index_text(article)
    row = build_row(article.pk, title, plain)
    ArticleSearch.objects.update_or_create(
        article_id=article.pk,
        defaults={name: getattr(row, name) for name in INDEX_FIELDS},
    )


def _with_keys(keys: list[str]) -> RawSQL:
    """PostgreSQL: ids of the articles holding every key (GIN over the narrow ``knowledge_searchkeys``
    table, migration 0006; ``@>`` on a GIN array index is exact, so no row's text is read)."""
    return RawSQL("SELECT article_id FROM knowledge_searchkeys WHERE keys @> %s::text[]", (keys,))


def _candidates(grams: list[str]) -> RawSQL:
    if connection.vendor == "postgresql":
        return _with_keys(grams)
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
        if len(term) <= 2 and all(t.is_word_char(c) for c in term):
            continue  # the gram index is exact for one or two word characters: no verification needed
        qs = qs.alias(**{f"_hit{i}": StrIndex(F("search_index__text"), Value(term))}).filter(
            **{f"_hit{i}__gt": 0}
        )
    return qs


def _flag(expr) -> Case:
    return Case(When(Q(**{f"{expr}__gt": 0}), then=Value(1)), default=Value(0), output_field=IntegerField())


def _key_flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


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
        if connection.vendor == "postgresql":
            # Body evidence from the key index (body words "=…", their heads ">…"; grams
            # are letters and digits only, so the prefixes keep the three kinds of key apart): the body's token
            # columns are long and TOASTed, and reading them for every hit is what made 1–2 character
            # queries take seconds. The title columns are short and stay inline.
            body_word = _key_flag(Q(pk__in=_with_keys([f"={term}"])))
            body_head = _key_flag(Q(pk__in=_with_keys([f"={term}"])) | Q(pk__in=_with_keys([f">{term}"])))
        else:
            qs = qs.alias(
                **{
                    f"_bw{i}": StrIndex(F("search_index__tokens"), Value(word)),
                    f"_bh{i}": StrIndex(F("search_index__tokens"), Value(head)),
                }
            )
            body_word, body_head = _flag(f"_bw{i}"), _flag(f"_bh{i}")
        part = (
            _flag(f"_tw{i}") * Value(W_TITLE_WORD)
            + _flag(f"_th{i}") * Value(W_TITLE_HEAD)
            + _flag(f"_ts{i}") * Value(W_TITLE_SUBSTRING)
            + body_word * Value(W_BODY_WORD)
            + body_head * Value(W_BODY_HEAD)
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


# ---------------------------------------------------------------------------------------------------
# SQLite: candidates, exact matching and ranking inside the FTS5 index
# ---------------------------------------------------------------------------------------------------

#: bm25 column weights, in the FTS5 column order (see migration 0003): candidates only (0), title
#: substring, title words and their heads, body words and their heads.
FTS_WEIGHTS = {
    "grams": 0.0,
    "bigram_seq": 0.0,
    "title_grams": 6.0,
    "title_seq": 6.0,
    "title_tokens": 20.0,
    "title_heads": 12.0,
    "tokens": 2.0,
    "heads": 1.0,
}


def _phrase(tokens: list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def fts_query(terms: list[str]) -> str | None:
    """The FTS5 query matching exactly the texts that contain every term, with the ranking evidence
    OR-ed in (it cannot widen the match: each piece implies the exact condition). None when a term
    is not one run of word characters (then the generic path scans)."""
    parts = []
    for term in terms:
        if not term or not all(t.is_word_char(c) for c in term):
            return None
        if len(term) <= 2:
            exact = f"grams : {_phrase([term])}"
            title = f"title_grams : {_phrase([term])}"
        else:
            bigrams = [term[i : i + 2] for i in range(len(term) - 1)]
            exact = f"bigram_seq : {_phrase(bigrams)}"
            title = f"title_seq : {_phrase(bigrams)}"
        word = _phrase([term])
        parts.append(
            f"({exact}) AND (({title}) OR ({{title_tokens tokens}} : {word}) "
            f"OR ({{title_heads heads}} : {word}) OR ({exact}))"
        )
    return " AND ".join(parts)


@dataclass
class RankedPage:
    count: int
    ids: list[int]
    scores: dict[int, float]


def ranked_page_fts(
    match: str, *, allowed_sql: str, allowed_params: list, exclude: bool, offset: int, limit: int
) -> RankedPage:
    """Count and one page of ids from the FTS5 table, ranked by weighted bm25, restricted to the rows
    of a subquery (``rowid IN`` the filtered articles, or ``NOT IN`` the hidden ones)."""
    weights = ", ".join(str(w) for w in FTS_WEIGHTS.values())
    op = "NOT IN" if exclude else "IN"
    where = f"knowledge_gram_fts MATCH %s AND rowid {op} ({allowed_sql})"
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM knowledge_gram_fts WHERE {where}", [match, *allowed_params])
        count = cur.fetchone()[0]
        cur.execute(
            f"SELECT rowid, bm25(knowledge_gram_fts, {weights}) AS r FROM knowledge_gram_fts WHERE {where} "
            "ORDER BY r, rowid DESC LIMIT %s OFFSET %s",
            [match, *allowed_params, limit, offset],
        )
        rows = cur.fetchall()
    return RankedPage(count=count, ids=[r[0] for r in rows], scores={r[0]: round(1 - r[1], 3) for r in rows})


# ---------------------------------------------------------------------------------------------------
# PostgreSQL: candidates, counting and ranking from the narrow key table (migration 0006)
# ---------------------------------------------------------------------------------------------------


def _pg_score(terms: list[str]) -> tuple[str, list]:
    """The score expression over ``k`` (a ``knowledge_searchkeys`` row), the same evidence and weights
    as :func:`with_score`: title flags from the narrow row's short title columns, body flags from
    hashed subplans over the GIN index (the key array itself is TOASTed and never read)."""
    parts: list[str] = []
    params: list = []
    for term in terms:
        parts.append(
            f"(CASE WHEN strpos(k.title_tokens, %s) > 0 THEN {W_TITLE_WORD} ELSE 0 END"
            f" + CASE WHEN strpos(k.title_tokens, %s) > 0 THEN {W_TITLE_HEAD} ELSE 0 END"
            f" + CASE WHEN strpos(k.title, %s) > 0 THEN {W_TITLE_SUBSTRING} ELSE 0 END"
            " + CASE WHEN k.article_id IN (SELECT article_id FROM knowledge_searchkeys WHERE keys @> %s::text[])"
            f" THEN {W_BODY_WORD} ELSE 0 END"
            " + CASE WHEN k.article_id IN (SELECT article_id FROM knowledge_searchkeys WHERE keys && %s::text[])"
            f" THEN {W_BODY_HEAD} ELSE 0 END + {W_PRESENT})"
        )
        params += [f" {term} ", f"{term} ", term, [f"={term}"], [f"={term}", f">{term}"]]
    return " + ".join(parts), params


def ranked_page_pg(
    terms: list[str], *, allowed_sql: str, allowed_params: list, exclude: bool, offset: int, limit: int
) -> RankedPage:
    """Count and one page of ids from ``knowledge_searchkeys``: every key of the terms (exact for one or
    two word characters), a substring check on the index row's text for longer terms only, restricted
    to a subquery (``IN`` the filtered articles, or ``NOT IN`` the hidden ones)."""
    needed: list[str] = []
    for term in terms:
        needed.extend(g for g in t.query_grams(term) if g not in needed)
    verify = [term for term in terms if not (len(term) <= 2 and all(t.is_word_char(c) for c in term))]
    where = ["TRUE"]
    params: list = []
    if needed:
        where.append("k.keys @> %s::text[]")
        params.append(needed)
    if verify:
        # Only terms the keys cannot answer exactly read the (TOASTed) text, of their candidates only: a
        # scalar subquery per candidate row (an EXISTS would be flattened into a semi-join, and the
        # planner then scans the whole wide table with strpos).
        checks = " AND ".join("strpos(s.text, %s) > 0" for _ in verify)
        where.append(f"(SELECT {checks} FROM knowledge_articlesearch s WHERE s.article_id = k.article_id)")
        params += verify
    where.append(f"k.article_id {'NOT IN' if exclude else 'IN'} ({allowed_sql})")
    params += allowed_params
    condition = " AND ".join(where)
    score, score_params = _pg_score(terms)
    with connection.cursor() as cur:
        # The count rides along as a window over every hit, so the candidates are found and verified
        # once for both the page and the count.
        cur.execute(
            f"SELECT k.article_id, ({score})::float8 AS score, count(*) OVER () FROM knowledge_searchkeys k "
            f"JOIN knowledge_article a ON a.id = k.article_id WHERE {condition} "
            "ORDER BY score DESC, a.updated_at DESC, a.id DESC LIMIT %s OFFSET %s",
            [*score_params, *params, limit, offset],
        )
        rows = cur.fetchall()
        if rows:
            count = rows[0][2]
        elif offset:  # a page past the end: count the hits on their own
            cur.execute(f"SELECT count(*) FROM knowledge_searchkeys k WHERE {condition}", params)
            count = cur.fetchone()[0]
        else:
            count = 0
    return RankedPage(count=count, ids=[r[0] for r in rows], scores={r[0]: float(r[1]) for r in rows})


def _hidden_ids(visible: QuerySet) -> list[int]:
    """The restricted articles the user may not read: a small set, computed with the one visibility
    rule (visible_to), which lets every holder of a role read every article open to all staff — so
    "not hidden" is exactly "visible"."""
    from .choices import Visibility

    restricted = Article.objects.filter(visibility=Visibility.RESTRICTED)
    readable = visible.filter(visibility=Visibility.RESTRICTED).values("pk")
    return list(restricted.exclude(pk__in=readable).values_list("pk", flat=True))


def ranked_page(
    visible: QuerySet, filtered: QuerySet | None, terms: list[str], *, offset: int, limit: int
) -> RankedPage:
    """Count and one page of matching articles, best first.

    ``visible`` is ``Article.objects.visible_to(user)``; ``filtered`` the same with the page's filters
    (kind, tag, system) or None. On SQLite the FTS5 index answers everything (exact phrase of bigrams,
    weighted bm25 over title/words/heads); elsewhere, and for terms with punctuation, the generic path
    ranks with SQL expressions (:func:`ranked_ids`).
    """
    if terms and connection.vendor == "postgresql":
        if visible.query.is_empty():
            return RankedPage(count=0, ids=[], scores={})
        if filtered is None:
            return ranked_page_pg(
                terms,
                allowed_sql="SELECT unnest(%s::integer[])",
                allowed_params=[_hidden_ids(visible)],
                exclude=True,
                offset=offset,
                limit=limit,
            )
        sql, params = filtered.values("pk").query.sql_with_params()
        return ranked_page_pg(
            terms, allowed_sql=sql, allowed_params=list(params), exclude=False, offset=offset, limit=limit
        )
    match = fts_query(terms) if terms and connection.vendor == "sqlite" else None
    if match is None:
        qs = filter_matching(filtered if filtered is not None else visible, terms)
        rows = list(
            with_score(qs, terms)
            .order_by("-score", "-updated_at", "-id")
            .values_list("pk", "score")[offset : offset + limit]
        )
        count = qs.count() if len(rows) == limit or offset else len(rows)
        return RankedPage(count=count, ids=[r[0] for r in rows], scores={r[0]: float(r[1]) for r in rows})
    if visible.query.is_empty():
        return RankedPage(count=0, ids=[], scores={})
    if filtered is None:
        # Everything except the restricted articles this user may not read (see _hidden_ids).
        hidden = _hidden_ids(visible)
        return ranked_page_fts(
            match,
            allowed_sql="SELECT value FROM json_each(%s)",
            allowed_params=[json.dumps(hidden)],
            exclude=True,
            offset=offset,
            limit=limit,
        )
    sql, params = filtered.values("pk").query.sql_with_params()
    return ranked_page_fts(
        match, allowed_sql=sql, allowed_params=list(params), exclude=False, offset=offset, limit=limit
    )
