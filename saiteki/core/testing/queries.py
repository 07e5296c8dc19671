"""Query-count checks: a page's queries must not grow with its rows, and must not creep up over time.

Two complementary helpers:

- ``assert_queries_flat(fetch, grow)`` measures one request with few rows and again after ``grow()``
  added many: equal counts prove there is no N+1, whatever the absolute number. On failure it lists
  the query shapes (literals masked) that ran more often — the N+1 to look at.
- ``query_baseline(path, key)`` is a context manager that fails when the block runs more queries than
  the baseline stored for ``key`` in a per-app JSON file (NetBox keeps such ``query_counts.json``
  files). It catches a constant regression the flat check cannot see (one extra query per page). Run
  with ``SAITEKI_UPDATE_QUERY_COUNTS=1`` to write the measured counts after an intended change; the
  file keeps the highest count seen, so one file serves SQLite and PostgreSQL.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

UPDATE_ENV = "SAITEKI_UPDATE_QUERY_COUNTS"
_file_lock = threading.Lock()


def sql_shape(sql: str) -> str:
    """A query with its literals and savepoint names masked, so repeated queries compare equal."""
    return re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", sql)[:300]


def query_growth(few_sql: list[str], many_sql: list[str]) -> str:
    """The query shapes that ran more often in ``many_sql`` than in ``few_sql``, one per line."""
    few = collections.Counter(map(sql_shape, few_sql))
    many = collections.Counter(map(sql_shape, many_sql))
    return "\n".join(f"{n - few[q]:+d} × {q}" for q, n in many.items() if n > few[q])


def count_queries(fetch: Callable[[], Any]) -> tuple[int, list[str], Any]:
    """Run ``fetch()``; returns ``(number of queries, their SQL, what fetch returned)``."""
    with CaptureQueriesContext(connection) as ctx:
        result = fetch()
    return len(ctx), [q["sql"] for q in ctx.captured_queries], result


def assert_queries_flat(
    fetch: Callable[[], Any],
    grow: Callable[[], Any],
    *,
    label: str = "",
    check: Callable[[Any, Any], None] | None = None,
    baseline: tuple[str | Path, str] | None = None,
) -> tuple[int, Any, Any]:
    """Assert ``fetch()`` runs as many queries before and after ``grow()`` adds rows.

    ``fetch`` is run once first as a warm-up (sessions, content types and other per-process caches).
    ``check(few_result, many_result)`` should prove the second fetch really showed more rows, so the
    test cannot pass on an empty page. ``baseline=(path, key)`` also holds the count to the stored
    baseline (``check_query_baseline``). Returns ``(count, few_result, many_result)``.
    """
    fetch()
    few, few_sql, few_result = count_queries(fetch)
    grow()
    many, many_sql, many_result = count_queries(fetch)
    if check is not None:
        check(few_result, many_result)
    assert few == many, f"{label}: {few} queries before, {many} after adding rows\n" + query_growth(
        few_sql, many_sql
    )
    if baseline is not None:
        check_query_baseline(Path(baseline[0]), baseline[1], many, many_sql)
    return many, few_result, many_result


def _read(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_query_count(path: Path, key: str, count: int) -> None:
    """Store ``count`` for ``key`` (keeping a higher stored count) in the baseline file."""
    with _file_lock:
        data = _read(path)
        data[key] = max(count, data.get(key, 0))
        path.write_text(
            json.dumps(dict(sorted(data.items())), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def check_query_baseline(path: Path, key: str, count: int, sql: list[str] | None = None) -> None:
    """Fail when ``count`` exceeds the baseline of ``key`` (or ``key`` has none); update when asked."""
    if os.environ.get(UPDATE_ENV):
        record_query_count(path, key, count)
        return
    baseline = _read(path).get(key)
    hint = f"(if the change is intended, rerun with {UPDATE_ENV}=1 to update {path.name})"
    assert baseline is not None, f"no query-count baseline for {key!r} in {path} {hint}"
    if count > baseline:
        listing = "\n".join(f"  {sql_shape(q)}" for q in sql or [])
        raise AssertionError(f"{key}: {count} queries, baseline {baseline} {hint}\n{listing}")


@contextlib.contextmanager
def query_baseline(path: str | Path, key: str) -> Iterator[CaptureQueriesContext]:
    """``with query_baseline(BASELINE, "GET /ledger/systems/ admin"): client.get(…)`` — see the module."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx
    check_query_baseline(Path(path), key, len(ctx), [q["sql"] for q in ctx.captured_queries])
