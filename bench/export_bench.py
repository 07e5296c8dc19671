"""Export benchmark (issue 7): the ledger list with every column for 10,000 systems, side by side with
xlsxwriter writing the same cells without the application.

``run()`` is picked up by ``bench/run.py`` (suite ``export_bench``). Three figures are measured in one
run, alternating so that machine load hits them alike:

* **export** — ``GET /ledger/systems/?tag=…&export=xlsx&col=…`` (every column) through the whole
  Django stack as ``demo-admin``: permission check, FilterSet, the rows query, the xlsx writer, the
  audit record; target < 2 s (5.2 s before, openpyxl on model objects);
* **xlsxwriter alone** — the cells of that very file (read back with python-calamine beforehand,
  typed as the export wrote them: text, numbers, yen, dates) written by a plain xlsxwriter loop in
  constant-memory mode with the same formats, title rows and header;
* **ratio** export ÷ xlsxwriter alone; target ≤ 1.5 ×.

Also reported: the export's query count (must not grow with the rows) and, once, the old
openpyxl-on-model-objects path on the same rows for comparison (``BENCH_EXPORT_LEGACY=0`` skips it).
The rows are the bench systems tagged ``ベンチ抽出1万件`` by :mod:`bench.scale` (10,000 at every scale
of 10,000 systems or more). ``BENCH_EXPORT_N`` sets the number of timed runs (default 3, median).
"""

from __future__ import annotations

import datetime
import io
import os
import statistics
import time

from bench.harness import Figure

EXPORT_TARGET_S = 2.0
RATIO_TARGET = 1.5


def _client():
    from django.test import Client

    from saiteki.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="demo-admin"))
    return client


def _cells(content: bytes) -> tuple[list[list], int]:
    """The exported sheet's cells as the export wrote them (calamine gives numbers as floats)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "システム番号")
    typed = []
    for row in rows:
        out = []
        for v in row:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            out.append(None if v == "" else v)
        typed.append(out)
    return typed, header_index


def _write_alone(rows: list[list], header_index: int, yen_columns: set[int]) -> bytes:
    """xlsxwriter on its own: the same cells, formats, frozen header and widths; no Django."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False})
    ws = book.add_worksheet("情報システム台帳")
    yen = book.add_format({"num_format": "#,##0"})
    date = book.add_format({"num_format": '[$-411]ggge"年"m"月"d"日"'})
    header = book.add_format({"bold": True, "bg_color": "#DDE5F0"})
    for r, row in enumerate(rows):
        fmt_row = header if r == header_index else None
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v, fmt_row)
            elif isinstance(v, datetime.date):
                ws.write_datetime(r, c, v, date)
            else:
                ws.write_number(r, c, v, yen if c in yen_columns else None)
    ws.freeze_panes(header_index + 1, 0)
    for c in range(len(rows[header_index])):
        ws.set_column(c, c, 16)
    book.close()
    return buf.getvalue()


def _legacy_export(url_query: dict, user) -> float:
    """The export as it was before issue 7 (model objects + prefetch, openpyxl write-only), timed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from saiteki.core import permissions as perms
    from saiteki.core.exporting.cells import cell_value
    from saiteki.ledger import selectors
    from saiteki.ledger.tables import SYSTEM_TABLE

    start = time.perf_counter()
    qs = selectors.systems_for_list(user=user, fiscal_year=url_query["fy"], stage="budget")
    qs = SYSTEM_TABLE.optimise(qs.filter(tags=url_query["tag"]).order_by("number", "pk"))
    assert perms.role_allows(user, perms.EXPORT, qs.model)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("情報システム台帳")
    ws.append([str(c.label) for c in SYSTEM_TABLE.columns])
    for obj in qs.iterator(chunk_size=2000):
        ws.append([WriteOnlyCell(ws, value=cell_value(c.value(obj))) for c in SYSTEM_TABLE.columns])
    wb.save(io.BytesIO())
    return time.perf_counter() - start


def run() -> list[Figure]:
    from django.db import connection

    from bench.scale import EXPORT_TAG, ensure_scale_data, scale_from_env
    from saiteki.accounts.models import User
    from saiteki.core.fiscal import fiscal_year_of
    from saiteki.ledger.models import Tag
    from saiteki.ledger.tables import SYSTEM_TABLE

    ensure_scale_data(scale_from_env())
    n = int(os.environ.get("BENCH_EXPORT_N", "3"))
    client = _client()
    tag = Tag.objects.get(name=EXPORT_TAG).pk
    fy = fiscal_year_of(datetime.date.today())
    columns = "&".join(f"col={c.name}" for c in SYSTEM_TABLE.columns)
    url = f"/ledger/systems/?tag={tag}&export=xlsx&{columns}"
    print(f"  xlsx export, every column: {url}", flush=True)

    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)  # warm-up, and the file whose cells the reference writes
    assert response.status_code == 200, response.status_code
    cells, header_index = _cells(response.content)
    rows = len(cells) - header_index - 1
    yen_columns = {i for i, c in enumerate(SYSTEM_TABLE.columns) if c.kind == "yen"}

    app, alone, app_cpu, alone_cpu = [], [], [], []
    for _ in range(n):
        start, cpu = time.perf_counter(), time.process_time()
        r = client.get(url)
        app.append(time.perf_counter() - start)
        app_cpu.append(time.process_time() - cpu)
        assert r.status_code == 200
        start, cpu = time.perf_counter(), time.process_time()
        _write_alone(cells, header_index, yen_columns)
        alone.append(time.perf_counter() - start)
        alone_cpu.append(time.process_time() - cpu)
    export_s, alone_s = statistics.median(app), statistics.median(alone)
    ratio = export_s / alone_s
    export_cpu, writer_cpu = statistics.median(app_cpu), statistics.median(alone_cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"  export {export_s:.2f} s, xlsxwriter alone {alone_s:.2f} s, ratio {ratio:.2f} ×, "
        f"{len(queries)} queries, {rows:,} rows (load average {load:.1f})\n"
        f"  CPU time of this process (the database server's excluded): export {export_cpu:.2f} s, "
        f"xlsxwriter alone {writer_cpu:.2f} s",
        flush=True,
    )
    figures = [
        Figure(
            f"xlsx export, ledger list, every column, {rows:,} rows (median of {n})",
            round(export_s, 2),
            "s",
            reference=round(alone_s, 2),
            reference_name="xlsxwriter alone",
            target=f"< {EXPORT_TARGET_S:g} s",
        ),
        Figure(f"xlsxwriter alone, same {rows:,} rows (median of {n})", round(alone_s, 2), "s"),
        Figure("xlsx export ÷ xlsxwriter alone", round(ratio, 2), "×", target=f"≤ {RATIO_TARGET:g} ×"),
        Figure(f"xlsx export queries ({rows:,} rows)", len(queries), "n"),
        Figure(
            "xlsx export, CPU time of the web process (load-independent)",
            round(export_cpu, 2),
            "s",
            reference=round(writer_cpu, 2),
            reference_name="xlsxwriter alone, CPU",
        ),
        Figure("load average during the export bench", round(load, 1), ""),
    ]
    if os.environ.get("BENCH_EXPORT_LEGACY", "1") != "0":
        admin = User.objects.get(username="demo-admin")
        legacy = _legacy_export({"tag": tag, "fy": fy}, admin)
        print(f"  before issue 7 (openpyxl on model objects): {legacy:.2f} s", flush=True)
        figures.append(
            Figure(
                f"xlsx export before issue 7 (openpyxl, model objects), {rows:,} rows",
                round(legacy, 2),
                "s",
                reference=round(export_s, 2),
                reference_name="now",
            )
        )
    return figures
