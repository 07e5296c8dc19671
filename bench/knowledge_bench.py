"""Knowledge search benchmark (issue 13): p50/p95 of the article search over 100,000 articles for 1-,
2-, 3- and 6-character Japanese queries, on whichever database the bench runs (SQLite by default,
PostgreSQL with ``BENCH_DATABASE_URL``). Target p95 < 300 ms.

``run()`` is picked up by ``bench/run.py``. The corpus is generated once and reused: ~100,000 articles
(``KNOWLEDGE_SCALE``) assembled from the demo knowledge base's sentences and the ledger's system names,
10% of them restricted, written straight into the tables with their index rows (the bench's scale
generator; the application writes one article at a time through the services). Each query is timed
through the selector the search page and API use (visibility, candidate lookup, exact verification,
ranking of every hit, snippets of the first 20) as ``demo-owner`` (the visibility filter is the most
complex for a system owner), and once as a whole page through the Django stack.
"""

from __future__ import annotations

import os
import random
import time

from bench.harness import Figure, latency_figures, time_calls

SEARCH_TARGET_MS = 300
BENCH_CATEGORY = "ベンチ"
QUERIES = [("1 char", "税"), ("2 chars", "入札"), ("3 chars", "契約書"), ("6 chars", "バックアップ")]


def _sentences() -> list[str]:
    from saiteki.knowledge import demo_content as c

    texts: list[str] = []
    for group in (c.PROCUREMENT_FAQ, c.DOCUMENT_FAQ, c.TAX_FAQ, c.GUIDELINES):
        for row in group:
            texts.extend(row[:2])
    for row in c.VPN_ARTICLES:
        texts.extend([row[0], row[3]])
    for row in c.DECISIONS + c.LESSONS:
        texts.extend(row[:2])
    out: list[str] = []
    for text in texts:
        for part in text.replace("\n", "。").split("。"):
            part = part.strip(" -|#0123456789.")
            if len(part) >= 8:
                out.append(part + "。")
    return sorted(set(out))


def ensure_corpus(n: int) -> tuple[int, float, bool]:
    """At least ``n`` bench articles; returns (count, seconds, reused)."""
    from django.db import connection, transaction

    from saiteki.accounts.models import Organization
    from saiteki.knowledge import text as t
    from saiteki.knowledge.models import Article, ArticleSearch

    existing = Article.objects.filter(category=BENCH_CATEGORY).count()
    if existing >= n:
        return existing, 0.0, True
    start = time.perf_counter()
    rng = random.Random(20261129)
    sentences = _sentences()

    def parts(text: str) -> dict:
        norm = t.normalize(text)
        words = t.tokens(text)
        return {
            "norm": norm,
            "tokens": t.tokens_text(words),
            "grams": t.grams(norm),
            "seq": t.bigram_stream(norm),
            "heads": t.heads_text(words),
        }

    cache = {s: parts(s) for s in sentences}
    try:
        from saiteki.ledger.demo_names import SYSTEMS_BY_BUREAU

        names = [entry[0] for entries in SYSTEMS_BY_BUREAU for entry in entries]
    except ImportError:  # pragma: no cover
        names = ["県税総合システム"]
    topics = [
        "バックアップ手順",
        "障害対応の記録",
        "よくある質問",
        "操作マニュアル",
        "更改の判断記録",
        "年間スケジュール",
        "契約の注意点",
    ]
    title_cache: dict[str, dict] = {}
    divisions = list(Organization.objects.filter(kind="division").values_list("pk", flat=True))
    kinds = ["faq", "procedure", "guideline", "decision", "lesson", "business_flow"]
    pg = connection.vendor == "postgresql"
    if pg:
        # The key table follows the index rows by trigger (migration 0006); its GIN index is built once
        # after the bulk load instead of being updated row by row.
        with connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS knowledge_searchkeys_gin")
    batch = 2000
    made = existing
    while made < n:
        size = min(batch, n - made)
        articles = []
        bodies = []
        for i in range(size):
            k = made + i
            title = f"{names[k % len(names)]} {topics[(k // len(names)) % len(topics)]}"
            picked = rng.sample(sentences, rng.randint(4, 8))
            bodies.append((title, picked))
            articles.append(
                Article(
                    kind=kinds[k % len(kinds)],
                    title=title,
                    body="\n".join(picked),
                    category=BENCH_CATEGORY,
                    owner_division_id=divisions[k % len(divisions)],
                    visibility="restricted" if k % 10 == 0 else "all",
                    visible_roles=",advisor," if k % 10 == 0 else "",
                )
            )
        with transaction.atomic():
            created = Article.objects.bulk_create(articles)
            rows = []
            for article, (title, picked) in zip(created, bodies, strict=True):
                if title not in title_cache:
                    title_cache[title] = parts(title)
                tp = title_cache[title]
                grams = set(tp["grams"])
                for p in picked:
                    grams |= cache[p]["grams"]
                rows.append(
                    ArticleSearch(
                        article_id=article.pk,
                        title=tp["norm"],
                        text="\n".join([tp["norm"], *(cache[p]["norm"] for p in picked)]),
                        title_tokens=tp["tokens"],
                        tokens=tp["tokens"] + "".join(cache[p]["tokens"] for p in picked),
                        grams=" ".join(sorted(grams)),
                        bigram_seq=f" {t.RUN_BREAK} ".join(
                            x for x in [tp["seq"], *(cache[p]["seq"] for p in picked)] if x
                        ),
                        title_grams=" ".join(sorted(tp["grams"])),
                        title_seq=tp["seq"],
                        title_heads=tp["heads"],
                        heads=" ".join(x for x in [tp["heads"], *(cache[p]["heads"] for p in picked)] if x),
                    )
                )
            ArticleSearch.objects.bulk_create(rows)
        made += size
        if made % 20000 == 0:
            print(f"    {made:,} articles", flush=True)
    with connection.cursor() as cur:
        if pg:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute(
                "CREATE INDEX IF NOT EXISTS knowledge_searchkeys_gin ON knowledge_searchkeys USING gin (keys)"
            )
            cur.execute("ANALYZE knowledge_article")
            cur.execute("ANALYZE knowledge_articlesearch")
            cur.execute("ANALYZE knowledge_searchkeys")
        else:
            cur.execute("INSERT INTO knowledge_gram_fts(knowledge_gram_fts) VALUES ('optimize')")
            cur.execute("ANALYZE")
    return made, round(time.perf_counter() - start, 1), False


def _print_plan(owner) -> None:
    """The plan of counting 「税」's hits on their own (the candidate scan the search starts from), as the
    planner picks it: no planner setting is changed anywhere."""
    from django.db import connection

    from saiteki.knowledge.models import Article
    from saiteki.knowledge.searchindex import _hidden_ids

    hidden = _hidden_ids(Article.objects.visible_to(owner))
    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM knowledge_searchkeys k "
            "WHERE k.keys @> %s::text[] AND k.article_id NOT IN (SELECT unnest(%s::integer[]))",
            [["税"], hidden],
        )
        print("  plan of counting the hits of 「税」:")
        for (line,) in cur.fetchall():
            print(f"    {line}")


def run() -> list[Figure]:
    from django.db import connection
    from django.test import Client

    from saiteki.accounts.models import User
    from saiteki.knowledge import text as t
    from saiteki.knowledge.models import Article
    from saiteki.knowledge.selectors import article_search

    n = int(os.environ.get("BENCH_N", "40"))
    scale = int(os.environ.get("KNOWLEDGE_SCALE", "100000"))
    count, seconds, reused = ensure_corpus(scale)
    figures = [
        Figure(
            f"knowledge corpus: {count:,} articles ({'reused' if reused else 'generated'}, {connection.vendor})",
            seconds,
            "s",
        )
    ]
    owner = User.objects.get(username="demo-owner")
    for label, q in QUERIES:
        hits = article_search(user=owner, q=q).count
        # The reference, side by side: the plain substring scan over the readable articles' text. It must
        # find exactly as many articles (recall and precision at scale), and shows what the index saves.
        start = time.perf_counter()
        plain = Article.objects.visible_to(owner).filter(search_index__text__contains=t.normalize(q)).count()
        plain_ms = round((time.perf_counter() - start) * 1000, 1)
        print(f"  knowledge search {label} 「{q}」: {hits:,} hits (plain scan {plain:,} in {plain_ms:,} ms)")
        assert hits == plain, f"search found {hits} articles for {q}, the plain substring scan {plain}"
        samples = time_calls(lambda q=q: article_search(user=owner, q=q), n)
        found = latency_figures(
            f"knowledge search {label} 「{q}」 ({hits:,} hits)", samples, SEARCH_TARGET_MS
        )
        found[0].reference, found[0].reference_name = plain_ms, "plain scan"
        figures.extend(found)
    if connection.vendor == "postgresql":
        _print_plan(owner)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)

    def page():
        response = client.get("/knowledge/", {"q": "入札"})
        assert response.status_code == 200

    figures.extend(
        latency_figures(
            "knowledge search page 「入札」 (whole request)",
            time_calls(page, max(10, n // 2)),
            SEARCH_TARGET_MS,
        )
    )
    return figures
