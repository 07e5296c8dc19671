"""The ledger's summary tables and the database triggers that keep them equal to the rows they sum.

Why triggers rather than calls from the services (docs/adr/0007-national-scale-reads.md): the summaries
must equal the sum of the cost rows after *every* write — the cost grid, the system form (a move to
another 所属 or 稼働形態 moves all its costs), the API, the Excel import's bulk statements, cascaded
deletes, the demo loader's raw INSERTs, other apps' factories in tests. A service call is skipped by
any path that forgets it; a trigger runs inside the statement, so the summary commits or rolls back with
the row. PostgreSQL aggregates a whole statement's rows at once (statement-level triggers with
transition tables: a 500-row ``bulk_create`` is one upsert per touched cell, not 500); updates use
row-level triggers with a ``WHEN`` clause, so an update that changes nothing summarised (the import
writes ``version``/``updated_at`` on every row it touches) never calls the function. SQLite has only
row-level triggers, which is fine for the demo and small prefectures.

On PostgreSQL every table and function the trigger functions name is schema-qualified (``public.``):
they must not depend on the caller's ``search_path``. A restore runs with ``search_path = ''``
(pg_dump's preamble), and a data-only restore into a migrated database fires these triggers there.

Each summary row carries the number of rows it sums; a row whose count drops to zero is deleted (a
partial index on ``count <= 0`` makes that delete a no-op lookup), so "no row" keeps meaning "no cost
registered" (未登録), never a misleading 0円. Deltas are applied in key order, so two transactions that
touch the same cells lock them in the same order and cannot deadlock on them.

The DDL here is installed by migration ``0005_cost_summaries``; :func:`rebuild` recomputes every summary
from the rows (``manage.py ledger_summaries --rebuild``; the bench loader's COPY runs with the triggers
disabled and rebuilds once), :func:`differences` checks them (``--check``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection as default_connection

# -- PostgreSQL ------------------------------------------------------------------------------------------

# ``{delta}`` is a relation of (system_id, fiscal_year, stage, category, amount, n): the signed change.
_PG_APPLY_COST_DELTA = """
    INSERT INTO public.ledger_costsummary AS t (division_id, hosting_form, fiscal_year, stage, category, amount, cost_rows)
    SELECT s.owning_division_id, s.hosting_form, d.fiscal_year, d.stage, d.category, sum(d.amount), sum(d.n)
    FROM ({delta}) AS d JOIN public.ledger_system AS s ON s.id = d.system_id
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(d.amount) <> 0 OR sum(d.n) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (division_id, hosting_form, fiscal_year, stage, category) DO UPDATE
    SET amount = t.amount + EXCLUDED.amount, cost_rows = t.cost_rows + EXCLUDED.cost_rows;
    DELETE FROM public.ledger_costsummary WHERE cost_rows <= 0;
    INSERT INTO public.ledger_systemcosttotal AS t
        (system_id, fiscal_year, stage, division_id, hosting_form, status, amount, cost_rows)
    SELECT d.system_id, d.fiscal_year, d.stage, s.owning_division_id, s.hosting_form, s.status,
           sum(d.amount), sum(d.n)
    FROM ({delta}) AS d JOIN public.ledger_system AS s ON s.id = d.system_id
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(d.amount) <> 0 OR sum(d.n) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (system_id, fiscal_year, stage) DO UPDATE
    SET amount = t.amount + EXCLUDED.amount, cost_rows = t.cost_rows + EXCLUDED.cost_rows;
    DELETE FROM public.ledger_systemcosttotal WHERE cost_rows <= 0;
"""

_PG_APPLY_COUNT_DELTA = """
    INSERT INTO public.ledger_systemcount AS t (division_id, hosting_form, status, systems)
    SELECT d.division_id, d.hosting_form, d.status, sum(d.n)
    FROM ({delta}) AS d
    GROUP BY 1, 2, 3
    HAVING sum(d.n) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (division_id, hosting_form, status) DO UPDATE SET systems = t.systems + EXCLUDED.systems;
    DELETE FROM public.ledger_systemcount WHERE systems <= 0;
"""

_PG_COST_COLUMNS = "system_id, fiscal_year, stage, category"

# The per-system totals carry their system's 所属, 稼働形態 and 状態 (both databases: NEW is the row).
_SCOPE_COPY = """
    UPDATE {schema}ledger_systemcosttotal
    SET division_id = NEW.owning_division_id, hosting_form = NEW.hosting_form, status = NEW.status
    WHERE system_id = NEW.id;
"""


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION public.{name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"BEGIN\n{body}\nRETURN NULL;\nEND\n$fn$;"
    )


POSTGRESQL_INSTALL = [
    _pg_function(
        "ledger_cost_summary_insert",
        _PG_APPLY_COST_DELTA.format(delta=f"SELECT {_PG_COST_COLUMNS}, amount, 1 AS n FROM new_rows"),
    ),
    _pg_function(
        "ledger_cost_summary_delete",
        _PG_APPLY_COST_DELTA.format(
            delta=f"SELECT {_PG_COST_COLUMNS}, -amount AS amount, -1 AS n FROM old_rows"
        ),
    ),
    _pg_function(
        "ledger_cost_summary_update",
        _PG_APPLY_COST_DELTA.format(
            delta="SELECT NEW.system_id AS system_id, NEW.fiscal_year AS fiscal_year, NEW.stage AS stage, "
            "NEW.category AS category, NEW.amount AS amount, 1 AS n "
            "UNION ALL SELECT OLD.system_id, OLD.fiscal_year, OLD.stage, OLD.category, -OLD.amount, -1"
        ),
    ),
    _pg_function(
        "ledger_system_count_insert",
        _PG_APPLY_COUNT_DELTA.format(
            delta="SELECT owning_division_id AS division_id, hosting_form, status, 1 AS n FROM new_rows"
        ),
    ),
    _pg_function(
        "ledger_system_count_delete",
        _PG_APPLY_COUNT_DELTA.format(
            delta="SELECT owning_division_id AS division_id, hosting_form, status, -1 AS n FROM old_rows"
        ),
    ),
    _pg_function(
        "ledger_system_count_update",
        _PG_APPLY_COUNT_DELTA.format(
            delta="SELECT NEW.owning_division_id AS division_id, NEW.hosting_form AS hosting_form, "
            "NEW.status AS status, 1 AS n "
            "UNION ALL SELECT OLD.owning_division_id, OLD.hosting_form, OLD.status, -1"
        )
        + _SCOPE_COPY.format(schema="public."),
    ),
    # A system moved to another 所属 or 稼働形態 takes its cost rows with it.
    _pg_function(
        "ledger_system_cost_move",
        """
    INSERT INTO public.ledger_costsummary AS t (division_id, hosting_form, fiscal_year, stage, category, amount, cost_rows)
    SELECT m.division_id, m.hosting_form, c.fiscal_year, c.stage, c.category, sum(m.sign * c.amount), sum(m.sign)
    FROM (VALUES (NEW.owning_division_id, NEW.hosting_form, 1), (OLD.owning_division_id, OLD.hosting_form, -1))
         AS m(division_id, hosting_form, sign)
    CROSS JOIN public.ledger_cost AS c
    WHERE c.system_id = NEW.id
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (division_id, hosting_form, fiscal_year, stage, category) DO UPDATE
    SET amount = t.amount + EXCLUDED.amount, cost_rows = t.cost_rows + EXCLUDED.cost_rows;
    DELETE FROM public.ledger_costsummary WHERE cost_rows <= 0;
""",
    ),
    "CREATE TRIGGER ledger_cost_summary_insert AFTER INSERT ON ledger_cost "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_cost_summary_insert()",
    "CREATE TRIGGER ledger_cost_summary_delete AFTER DELETE ON ledger_cost "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_cost_summary_delete()",
    "CREATE TRIGGER ledger_cost_summary_update AFTER UPDATE OF system_id, fiscal_year, stage, category, amount "
    "ON ledger_cost FOR EACH ROW WHEN (OLD.system_id IS DISTINCT FROM NEW.system_id "
    "OR OLD.fiscal_year IS DISTINCT FROM NEW.fiscal_year OR OLD.stage IS DISTINCT FROM NEW.stage "
    "OR OLD.category IS DISTINCT FROM NEW.category OR OLD.amount IS DISTINCT FROM NEW.amount) "
    "EXECUTE FUNCTION public.ledger_cost_summary_update()",
    "CREATE TRIGGER ledger_system_count_insert AFTER INSERT ON ledger_system "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_system_count_insert()",
    "CREATE TRIGGER ledger_system_count_delete AFTER DELETE ON ledger_system "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_system_count_delete()",
    "CREATE TRIGGER ledger_system_count_update AFTER UPDATE OF owning_division_id, hosting_form, status "
    "ON ledger_system FOR EACH ROW WHEN (OLD.owning_division_id IS DISTINCT FROM NEW.owning_division_id "
    "OR OLD.hosting_form IS DISTINCT FROM NEW.hosting_form OR OLD.status IS DISTINCT FROM NEW.status) "
    "EXECUTE FUNCTION public.ledger_system_count_update()",
    "CREATE TRIGGER ledger_system_cost_move AFTER UPDATE OF owning_division_id, hosting_form "
    "ON ledger_system FOR EACH ROW WHEN (OLD.owning_division_id IS DISTINCT FROM NEW.owning_division_id "
    "OR OLD.hosting_form IS DISTINCT FROM NEW.hosting_form) EXECUTE FUNCTION public.ledger_system_cost_move()",
]

_PG_TRIGGERS = [
    ("ledger_cost", "ledger_cost_summary_insert"),
    ("ledger_cost", "ledger_cost_summary_delete"),
    ("ledger_cost", "ledger_cost_summary_update"),
    ("ledger_system", "ledger_system_count_insert"),
    ("ledger_system", "ledger_system_count_delete"),
    ("ledger_system", "ledger_system_count_update"),
    ("ledger_system", "ledger_system_cost_move"),
]
POSTGRESQL_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name in _PG_TRIGGERS] + [
    f"DROP FUNCTION IF EXISTS public.{name}()" for _table, name in _PG_TRIGGERS
]

# -- SQLite (row-level triggers only) -------------------------------------------------------------------

_SQLITE_COST_CELL = """
    INSERT INTO ledger_costsummary (division_id, hosting_form, fiscal_year, stage, category, amount, cost_rows)
    SELECT s.owning_division_id, s.hosting_form, {row}.fiscal_year, {row}.stage, {row}.category, {sign}{row}.amount, {sign}1
    FROM ledger_system AS s WHERE s.id = {row}.system_id
    ON CONFLICT (division_id, hosting_form, fiscal_year, stage, category) DO UPDATE
    SET amount = amount + excluded.amount, cost_rows = cost_rows + excluded.cost_rows;
    INSERT INTO ledger_systemcosttotal
        (system_id, fiscal_year, stage, division_id, hosting_form, status, amount, cost_rows)
    SELECT {row}.system_id, {row}.fiscal_year, {row}.stage, s.owning_division_id, s.hosting_form, s.status,
           {sign}{row}.amount, {sign}1
    FROM ledger_system AS s WHERE s.id = {row}.system_id
    ON CONFLICT (system_id, fiscal_year, stage) DO UPDATE
    SET amount = amount + excluded.amount, cost_rows = cost_rows + excluded.cost_rows;
"""
_SQLITE_COST_CLEANUP = """
    DELETE FROM ledger_costsummary WHERE cost_rows <= 0;
    DELETE FROM ledger_systemcosttotal WHERE cost_rows <= 0;
"""
_SQLITE_COUNT_CELL = """
    INSERT INTO ledger_systemcount (division_id, hosting_form, status, systems)
    SELECT {row}.owning_division_id, {row}.hosting_form, {row}.status, {sign}1 WHERE 1
    ON CONFLICT (division_id, hosting_form, status) DO UPDATE SET systems = systems + excluded.systems;
"""
_SQLITE_COST_MOVE = """
    INSERT INTO ledger_costsummary (division_id, hosting_form, fiscal_year, stage, category, amount, cost_rows)
    SELECT {row}.owning_division_id, {row}.hosting_form, c.fiscal_year, c.stage, c.category, {sign}sum(c.amount), {sign}count(*)
    FROM ledger_cost AS c WHERE c.system_id = NEW.id GROUP BY c.fiscal_year, c.stage, c.category
    ON CONFLICT (division_id, hosting_form, fiscal_year, stage, category) DO UPDATE
    SET amount = amount + excluded.amount, cost_rows = cost_rows + excluded.cost_rows;
"""

SQLITE_INSTALL = [
    "CREATE TRIGGER ledger_cost_summary_insert AFTER INSERT ON ledger_cost BEGIN "
    + _SQLITE_COST_CELL.format(row="NEW", sign="")
    + _SQLITE_COST_CLEANUP
    + " END",
    "CREATE TRIGGER ledger_cost_summary_delete AFTER DELETE ON ledger_cost BEGIN "
    + _SQLITE_COST_CELL.format(row="OLD", sign="-")
    + _SQLITE_COST_CLEANUP
    + " END",
    "CREATE TRIGGER ledger_cost_summary_update AFTER UPDATE OF system_id, fiscal_year, stage, category, amount "
    "ON ledger_cost WHEN OLD.system_id IS NOT NEW.system_id OR OLD.fiscal_year IS NOT NEW.fiscal_year "
    "OR OLD.stage IS NOT NEW.stage OR OLD.category IS NOT NEW.category OR OLD.amount IS NOT NEW.amount BEGIN "
    + _SQLITE_COST_CELL.format(row="OLD", sign="-")
    + _SQLITE_COST_CELL.format(row="NEW", sign="")
    + _SQLITE_COST_CLEANUP
    + " END",
    "CREATE TRIGGER ledger_system_count_insert AFTER INSERT ON ledger_system BEGIN "
    + _SQLITE_COUNT_CELL.format(row="NEW", sign="")
    + " END",
    "CREATE TRIGGER ledger_system_count_delete AFTER DELETE ON ledger_system BEGIN "
    + _SQLITE_COUNT_CELL.format(row="OLD", sign="-")
    + " DELETE FROM ledger_systemcount WHERE systems <= 0; END",
    "CREATE TRIGGER ledger_system_count_update AFTER UPDATE OF owning_division_id, hosting_form, status "
    "ON ledger_system WHEN OLD.owning_division_id IS NOT NEW.owning_division_id "
    "OR OLD.hosting_form IS NOT NEW.hosting_form OR OLD.status IS NOT NEW.status BEGIN "
    + _SQLITE_COUNT_CELL.format(row="OLD", sign="-")
    + _SQLITE_COUNT_CELL.format(row="NEW", sign="")
    + " DELETE FROM ledger_systemcount WHERE systems <= 0;"
    + _SCOPE_COPY.format(schema="")
    + " END",
    "CREATE TRIGGER ledger_system_cost_move AFTER UPDATE OF owning_division_id, hosting_form "
    "ON ledger_system WHEN OLD.owning_division_id IS NOT NEW.owning_division_id "
    "OR OLD.hosting_form IS NOT NEW.hosting_form BEGIN "
    + _SQLITE_COST_MOVE.format(row="OLD", sign="-")
    + _SQLITE_COST_MOVE.format(row="NEW", sign="")
    + " DELETE FROM ledger_costsummary WHERE cost_rows <= 0; END",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for _table, name in _PG_TRIGGERS]

INSTALL = {"postgresql": POSTGRESQL_INSTALL, "sqlite": SQLITE_INSTALL}
UNINSTALL = {"postgresql": POSTGRESQL_UNINSTALL, "sqlite": SQLITE_UNINSTALL}

# -- Rebuild and check (both databases) -----------------------------------------------------------------

#: (summary table, its columns, the aggregation of the rows that must equal it)
SUMMARIES = [
    (
        "ledger_costsummary",
        "division_id, hosting_form, fiscal_year, stage, category, amount, cost_rows",
        "SELECT s.owning_division_id, s.hosting_form, c.fiscal_year, c.stage, c.category, "
        "sum(c.amount), count(*) FROM ledger_cost AS c JOIN ledger_system AS s ON s.id = c.system_id "
        "GROUP BY s.owning_division_id, s.hosting_form, c.fiscal_year, c.stage, c.category",
    ),
    (
        "ledger_systemcosttotal",
        "system_id, fiscal_year, stage, division_id, hosting_form, status, amount, cost_rows",
        "SELECT c.system_id, c.fiscal_year, c.stage, s.owning_division_id, s.hosting_form, s.status, "
        "sum(c.amount), count(*) FROM ledger_cost AS c JOIN ledger_system AS s ON s.id = c.system_id "
        "GROUP BY c.system_id, c.fiscal_year, c.stage, s.owning_division_id, s.hosting_form, s.status",
    ),
    (
        "ledger_systemcount",
        "division_id, hosting_form, status, systems",
        "SELECT owning_division_id, hosting_form, status, count(*) FROM ledger_system "
        "GROUP BY owning_division_id, hosting_form, status",
    ),
]


def rebuild(connection=None) -> dict[str, int]:
    """Recompute every summary from the rows; returns the number of summary rows per table.

    Call inside a transaction. On PostgreSQL the cost and system tables are locked against writes for
    the duration (SHARE mode: readers go on), so no write can slip between the wipe and the refill.
    """
    connection = connection or default_connection
    counts = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE ledger_cost, ledger_system IN SHARE MODE")
            cursor.execute("SET LOCAL work_mem = '256MB'")  # the aggregations hash in memory
        for table, columns, aggregation in SUMMARIES:
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table}")
                with _indexes_rebuilt_after(cursor, table):
                    cursor.execute(f"INSERT INTO {table} ({columns}) {aggregation}")
            else:
                cursor.execute(f"DELETE FROM {table}")
                cursor.execute(f"INSERT INTO {table} ({columns}) {aggregation}")
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE ledger_costsummary, ledger_systemcosttotal, ledger_systemcount")
    return counts


@contextlib.contextmanager
def _indexes_rebuilt_after(cursor, table: str) -> Iterator[None]:
    """PostgreSQL: fill ``table`` without its secondary indexes and unique constraints, then build them
    once — 12 million per-system totals are filled several times faster than through three indexes."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def differences(connection=None) -> dict[str, int]:
    """How many summary rows differ from a fresh aggregation of the rows, per table (all 0 when in step)."""
    connection = connection or default_connection
    out = {}
    with connection.cursor() as cursor:
        for table, columns, aggregation in SUMMARIES:
            stored = f"SELECT {columns} FROM {table}"
            cursor.execute(
                f"SELECT (SELECT count(*) FROM ({aggregation} EXCEPT {stored}) AS missing) "
                f"+ (SELECT count(*) FROM ({stored} EXCEPT {aggregation}) AS extra)"
            )
            out[table] = cursor.fetchone()[0]
    return out


def install(connection) -> None:
    """Create the triggers (and on PostgreSQL their functions) on this connection's database."""
    with connection.cursor() as cursor:
        for sql in INSTALL.get(connection.vendor, []):
            cursor.execute(sql)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for sql in UNINSTALL.get(connection.vendor, []):
            cursor.execute(sql)


@contextlib.contextmanager
def triggers_disabled(connection=None) -> Iterator[None]:
    """Bulk loads (the bench's COPY of 20 million cost rows) without the triggers, then one rebuild.

    Inside a transaction: on PostgreSQL the tables' triggers are disabled until the block ends (the
    ALTER TABLE locks them against other writers meanwhile); SQLite drops and re-creates them. The
    summaries are rebuilt from the rows at the end, so they are right however the rows were written.
    """
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("ledger_cost", "ledger_system"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            uninstall(connection)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("ledger_cost", "ledger_system"):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            install(connection)
    rebuild(connection)
