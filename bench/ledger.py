"""Ledger benchmark (issue 3, SPEC §4): list pages, API, karte, cost analysis, xlsx export and import at scale.

``run()`` is picked up by ``bench/run.py``. It first makes sure the bench database holds the scale data
(:mod:`bench.scale`: 50,000 systems / 2.5 million cost rows by default, ``SCALE=small`` or
``SCALE=national``), then times real requests through the whole Django stack (middleware, session,
permissions, templates) as ``demo-admin`` — and the cost analysis also as ``demo-owner``, whose figures
are a division-scoped aggregation. Targets are the SPEC §4 ones where one applies; figures without a
target are reported for the record. ``BENCH_N`` sets the number of timed calls per URL.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench.harness import Figure, latency_figures, time_calls

LIST_TARGET_MS = 300  # "Ledger list with filters and dashboard pages answer in p95 < 300 ms"
API_TARGET_MS = 150  # "an API list page in p95 < 150 ms"
IMPORT_TARGET_S = 60  # "Excel import of 100,000 ledger rows in < 60 s"
IMPORT_RATIO_TARGET = 3  # "within 3× of the time openpyxl alone needs to read the file"


def _client(username: str):
    from django.test import Client

    from saiteki.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    return client


def _getter(client, url: str):
    def call():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return call


#: The scale a larger run is compared with, side by side (``SCALE=national``: 50,000 beside 400,000).
COMPARE_SCALE = 50_000


def run() -> list[Figure]:
    """The ledger pages at the configured scale; above 50,000 systems, also at 50,000 for comparison.

    The comparison runs in a subprocess against its own database (``BENCH_COMPARE_DATABASE_URL``, by
    default the bench database's name + ``_50k``), so each scale keeps its data and a rerun reuses both.
    ``BENCH_COMPARE=0`` skips it.
    """
    from bench.scale import scale_from_env

    n_systems = scale_from_env()
    reference: dict[str, float] = {}
    if n_systems > COMPARE_SCALE and os.environ.get("BENCH_COMPARE", "1") != "0":
        reference = _compare_run()
    figures = measure(n_systems)
    if reference:
        figures = _side_by_side(figures, reference, n_systems)
    if os.environ.get("BENCH_LEDGER_PAGES_ONLY") != "1":
        from bench.scale import EXPORT_TAG
        from saiteki.ledger.models import Tag

        figures.extend(_export(_client("demo-admin"), Tag.objects.get(name=EXPORT_TAG).pk))
        try:
            figures.extend(_import())
        except Exception as exc:  # noqa: BLE001 - the importer is another engineer's moving target
            print(f"  import: failed, no import figures ({type(exc).__name__}: {exc})", flush=True)
    return figures


def measure(n_systems: int) -> list[Figure]:
    """Load-time figure and every page's p50/p95 at ``n_systems`` (generating the data if needed)."""
    from django.db import connection

    from bench.scale import ensure_scale_data
    from saiteki.accounts.models import Organization
    from saiteki.core.fiscal import fiscal_year_of
    from saiteki.ledger.models import Cost, System

    n = int(os.environ.get("BENCH_N", "40"))
    report = ensure_scale_data(n_systems)
    figures: list[Figure] = []
    source = "reused, measured at generation " + report.generated_at if report.reused else report.method
    figures.append(
        Figure(
            f"scale data load: {report.systems:,} systems, {report.cost_rows:,} cost rows ({source})",
            report.seconds,
            "s",
        )
    )
    print(
        f"  {connection.vendor}: {System.objects.count():,} systems, {Cost.objects.count():,} cost rows",
        flush=True,
    )

    admin = _client("demo-admin")
    owner = _client("demo-owner")
    bureau = Organization.objects.filter(kind="bureau").order_by("sort_order").values_list("pk", flat=True)[1]
    fy = fiscal_year_of(__import__("datetime").date.today())
    karte_pk = (
        System.objects.filter(number__startswith="S").order_by("number").values_list("pk", flat=True)[0]
    )
    bench_pk = (
        System.objects.filter(number__startswith="B").order_by("number").values_list("pk", flat=True)[0]
    )

    def page(name: str, client, url: str, target=LIST_TARGET_MS, calls: int = n) -> None:
        print(f"  {name}: {url}", flush=True)
        figures.extend(latency_figures(name, time_calls(_getter(client, url), calls), target))

    page("dashboard (admin, whole prefecture)", admin, "/")
    page("dashboard (owner, own division)", owner, "/")
    page(
        "ledger list, filters (部局+状態+稼働形態)",
        admin,
        f"/ledger/systems/?bureau={bureau}&status=operating&hosting_form=onprem",
    )
    page("ledger list, no filter (with totals row)", admin, "/ledger/systems/")
    page("ledger list, free text 1 char (税)", admin, "/ledger/systems/?q=税")
    page("ledger list, free text 2 chars (入札)", admin, "/ledger/systems/?q=入札")
    page("ledger list, free text 4 chars (財務会計)", admin, "/ledger/systems/?q=財務会計")
    page("ledger list, sorted by cost (desc)", admin, "/ledger/systems/?sort=-cost_total")
    page("ledger list, sorted by cost (asc)", admin, "/ledger/systems/?sort=cost_total")
    page("ledger list, 税 sorted by cost (desc)", admin, "/ledger/systems/?q=税&sort=-cost_total")
    page("ledger list, owner (own division)", owner, "/ledger/systems/")
    page("ledger list, owner sorted by cost (desc)", owner, "/ledger/systems/?sort=-cost_total")
    page("API list /api/v1/ledger/systems/", admin, "/api/v1/ledger/systems/", API_TARGET_MS)
    page("API list /api/v1/ledger/systems/?q=税", admin, "/api/v1/ledger/systems/?q=税", API_TARGET_MS)
    page("API list /api/v1/ledger/systems/?q=入札", admin, "/api/v1/ledger/systems/?q=入札", API_TARGET_MS)
    page(
        "API list /api/v1/ledger/costs/?fiscal_year",
        admin,
        f"/api/v1/ledger/costs/?fiscal_year={fy}",
        API_TARGET_MS,
    )
    page("karte page (demo system with history)", admin, f"/ledger/systems/{karte_pk}/?tab=karte", None)
    page("karte page (bench system)", admin, f"/ledger/systems/{bench_pk}/?tab=karte", None)
    page("cost grid (bench system)", admin, f"/ledger/systems/{bench_pk}/costs/", LIST_TARGET_MS)
    heavy = max(10, n // 2)
    page("cost analysis (admin, whole ledger)", admin, "/ledger/cost-analysis/", LIST_TARGET_MS, heavy)
    page(
        "cost analysis (admin, baseline FY2018, 決算額)",
        admin,
        "/ledger/cost-analysis/?baseline=2018&stage=actual",
        LIST_TARGET_MS,
        heavy,
    )
    page("cost analysis (owner, own division)", owner, "/ledger/cost-analysis/", LIST_TARGET_MS, heavy)
    page(
        "cost rows drill-down (部局, 運用等)",
        admin,
        f"/ledger/costs/?fiscal_year={fy}&stage=budget&group=run&bureau={bureau}",
    )
    return figures


def _compare_url() -> str:
    explicit = os.environ.get("BENCH_COMPARE_DATABASE_URL")
    if explicit:
        return explicit
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return f"sqlite:///{path.with_name(path.stem + '-50k' + path.suffix)}"
    base, _, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}_50k"


def _compare_run() -> dict[str, float]:
    """The same pages at 50,000 systems, in a subprocess on its own database: ``{figure name: value}``."""
    url = _compare_url()
    print(f"  comparison run at {COMPARE_SCALE:,} systems on {url.split('@')[-1]} …", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = {
            **os.environ,
            "SCALE": str(COMPARE_SCALE),
            "BENCH_DATABASE_URL": url,
            "DATABASE_URL": url,
            "BENCH_COMPARE": "0",
            "BENCH_LEDGER_PAGES_ONLY": "1",
        }
        root = Path(__file__).resolve().parent.parent
        result = subprocess.run(
            [sys.executable, "-m", "bench.ledger", str(out)], cwd=root, env=env, check=False
        )
        if result.returncode != 0 or not out.exists():
            print("  comparison run failed: no side-by-side figures", flush=True)
            return {}
        return {f["name"]: f["value"] for f in json.loads(out.read_text())}


def _side_by_side(figures: list[Figure], reference: dict[str, float], n_systems: int) -> list[Figure]:
    """Each page figure with the 50,000-system value beside it, and a table of the growth per page."""
    label = f"{COMPARE_SCALE:,} systems"
    rows = []
    for f in figures:
        if f.name in reference and f.unit == "ms":
            f.reference, f.reference_name = reference[f.name], label
            if f.name.endswith(" p95"):
                rows.append((f.name.removesuffix(" p95"), reference[f.name], f.value))
    print(f"\n  p95 per page: {COMPARE_SCALE:,} vs {n_systems:,} systems", flush=True)
    width = max((len(r[0]) for r in rows), default=10)
    print(f"  {'page'.ljust(width)}  {COMPARE_SCALE:>10,}  {n_systems:>10,}  growth", flush=True)
    for name, small, large in rows:
        growth = f"{large / small:.2f}×" if small else ""
        print(f"  {name.ljust(width)}  {small:>8.1f}ms  {large:>8.1f}ms  {growth}", flush=True)
    return figures


def _main(out: str) -> int:
    """``python -m bench.ledger OUT.json``: the page figures at ``SCALE`` on ``BENCH_DATABASE_URL``."""
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{root / 'var' / 'bench.sqlite3'}"
    )
    from bench.scale import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bench.scale import scale_from_env

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    figures = measure(scale_from_env())
    Path(out).write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=2))
    return 0


def _export(client, tag_pk: int) -> list[Figure]:
    """xlsx export of the ledger list filtered to ~10,000 systems (a tag the generator sets on every k-th)."""
    url = f"/ledger/systems/?tag={tag_pk}&export=xlsx"
    print(f"  xlsx export: {url}", flush=True)
    samples = []
    rows = 0
    for _ in range(3):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200
    from openpyxl import load_workbook

    from saiteki.core.exporting.lists import LIST_HEADER_ROW

    ws = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = sum(1 for _ in ws.iter_rows(min_row=LIST_HEADER_ROW + 1, values_only=True))
    return [
        Figure(
            f"xlsx export of the ledger list, {rows:,} rows (median of 3)",
            round(statistics.median(samples), 2),
            "s",
        ),
        Figure(f"xlsx export of the ledger list, {rows:,} rows (max of 3)", round(max(samples), 2), "s"),
    ]


def _import_rows() -> int:
    from bench.scale import scale_from_env

    default = 10_000 if scale_from_env() <= 2_000 else 100_000
    return int(os.environ.get("BENCH_IMPORT_ROWS", default))


def _import() -> list[Figure]:
    """Dry run and apply of an xlsx ledger import, side by side with openpyxl reading the same file.

    Measured only when :mod:`saiteki.ledger.importers` offers its service functions. The file is the
    importer's own round-trip workbook of the bench systems (5% of rows edited) topped up with new
    systems to the row count; the apply runs inside a transaction that is rolled back, so the bench
    database stays as generated and the next run measures the same thing.
    """
    try:
        from saiteki.ledger import importers
    except ImportError:
        print("  import: saiteki.ledger.importers not available, skipped", flush=True)
        return []
    if not all(
        hasattr(importers, f) for f in ("ledger_import_preview", "ledger_import_apply", "ledger_workbook")
    ):
        print("  import: no callable import API yet, skipped", flush=True)
        return []
    from django.db import transaction
    from openpyxl import load_workbook

    from saiteki.accounts.models import User

    rows = _import_rows()
    admin = User.objects.get(username="demo-admin")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger-import.xlsx"
        print(f"  import: building a {rows:,}-row workbook …", flush=True)
        _build_import_file(importers, path, rows)

        def read_alone():
            wb = load_workbook(path, read_only=True, data_only=True)
            for ws in wb.worksheets:
                ws.reset_dimensions()
                for _row in ws.iter_rows(values_only=True):
                    pass
            wb.close()

        start = time.perf_counter()
        read_alone()
        openpyxl_s = time.perf_counter() - start
        print(f"  import: openpyxl read {openpyxl_s:.1f} s; dry run …", flush=True)

        start = time.perf_counter()
        preview = importers.ledger_import_preview(user=admin, source=path, file_name=path.name)
        dry_s = time.perf_counter() - start
        counts = preview.counts
        print(f"  import: dry run {dry_s:.1f} s {counts}; apply (rolled back) …", flush=True)

        start = time.perf_counter()
        with transaction.atomic():
            importers.ledger_import_apply(user=admin, source=path, file_name=path.name)
            apply_s = time.perf_counter() - start
            transaction.set_rollback(True)
    label = (
        f"{rows:,} rows: {counts.get('systems_created', 0):,} new, {counts.get('systems_updated', 0):,} changed, "
        f"{counts.get('systems_unchanged', 0):,} unchanged"
    )
    openpyxl_name = "openpyxl read alone"
    return [
        Figure(f"openpyxl read alone ({rows:,}-row file)", round(openpyxl_s, 2), "s"),
        Figure(
            f"xlsx import dry run ({label})",
            round(dry_s, 2),
            "s",
            reference=round(openpyxl_s, 2),
            reference_name=openpyxl_name,
            target=f"< {IMPORT_TARGET_S} s",
        ),
        Figure(
            f"xlsx import apply incl. re-plan ({label})",
            round(apply_s, 2),
            "s",
            reference=round(openpyxl_s, 2),
            reference_name=openpyxl_name,
            target=f"< {IMPORT_TARGET_S} s",
        ),
        Figure(
            "xlsx import dry run ÷ openpyxl read",
            round(dry_s / openpyxl_s, 2),
            "×",
            target=f"<= {IMPORT_RATIO_TARGET}×",
        ),
        Figure(
            "xlsx import apply ÷ openpyxl read",
            round(apply_s / openpyxl_s, 2),
            "×",
            target=f"<= {IMPORT_RATIO_TARGET}×",
        ),
    ]


def _build_import_file(importers, path: Path, rows: int) -> None:
    """The importer's own export of up to ``rows`` bench systems, 5% of names edited, topped up with new rows.

    Built by streaming the exported workbook into a new write-only one (openpyxl's normal mode would
    hold 100,000 rows × 30 cells in memory twice).
    """
    from openpyxl import Workbook, load_workbook

    from saiteki.ledger.models import System

    systems = System.objects.filter(number__startswith="B").order_by("number")[:rows]
    exported = importers.ledger_workbook(
        systems=System.objects.filter(pk__in=systems.values("pk")), cost_years=[], title="bench"
    )
    source = load_workbook(io.BytesIO(exported), read_only=True)
    out = Workbook(write_only=True)
    for index, ws in enumerate(source.worksheets):
        target = out.create_sheet(ws.title)
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            continue
        target.append(list(header))
        if index != 0:
            for row in it:
                target.append(list(row))
            continue
        number_col = header.index("システム番号")
        name_col = header.index("システム名")
        body = [list(r) for r in it]
        for i, row in enumerate(body):
            if i % 20 == 0:
                row[name_col] = f"{row[name_col]}（改）"
            target.append(row)
        for k in range(rows - len(body)):
            row = list(body[k % len(body)])
            row[number_col] = f"I{k + 1:07d}"
            row[name_col] = f"取込追加システム{k + 1}"
            target.append(row)
    out.save(path)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1]))
