"""Import benchmark: a 100,000-row ledger xlsx with 5,000 changed rows, dry run and apply, beside the
time python-calamine alone needs to read the same file (issue 7: < 20 s each).

Self-contained and leaves the bench database as it found it: the systems the file describes are
bulk-created inside a transaction that is rolled back at the end, the file is written with xlsxwriter
(constant memory) from the same values, and the apply runs inside that transaction too. Rows:
``BENCH_IMPORT_ROWS`` (default 100,000), changed rows: one in twenty. Run alone with
``BENCH_SUITES=import_bench make bench`` or ``python -m bench.import_bench`` (after Django setup).
"""

from __future__ import annotations

import datetime
import os
import tempfile
import time
from pathlib import Path

from bench.harness import Figure

IMPORT_TARGET_S = 20
CHANGED_EVERY = 20
PREFIX = "IMPB"


def _rows() -> int:
    return int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))


def run() -> list[Figure]:
    from django.db import transaction

    from saiteki.accounts.models import User

    rows = _rows()
    admin = User.objects.get(username="demo-admin")
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        path = Path(tmp) / "ledger-import-bench.xlsx"
        print(f"  import: creating {rows:,} systems (rolled back afterwards) …", flush=True)
        start = time.perf_counter()
        division = _create_systems(rows)
        print(f"  import: {time.perf_counter() - start:.1f} s; writing the xlsx …", flush=True)
        start = time.perf_counter()
        _write_file(path, rows, division)
        write_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"  import: {size_mb:.1f} MB written in {write_s:.1f} s; calamine alone …", flush=True)
        calamine_s = _calamine_alone(path)
        print(f"  import: calamine read {calamine_s:.1f} s; dry run …", flush=True)
        figures = _measure(path, admin, rows, calamine_s)
        transaction.set_rollback(True)
    return figures


def _measure(path: Path, admin, rows: int, calamine_s: float) -> list[Figure]:
    from django.db import transaction

    from saiteki.core.importing import services as pipeline

    start, cpu = time.perf_counter(), _cpu()
    preview = pipeline.import_preview(importer="ledger.systems", user=admin, source=path, file_name=path.name)
    dry_s, dry_cpu = time.perf_counter() - start, _cpu() - cpu
    counts = preview.counts
    print(f"  import: dry run {dry_s:.1f} s {counts}; apply …", flush=True)
    start, cpu = time.perf_counter(), _cpu()
    with transaction.atomic():
        pipeline.import_apply(
            importer="ledger.systems",
            user=admin,
            source=path,
            file_name=path.name,
            fingerprint=preview.fingerprint,
        )
        apply_s, apply_cpu = time.perf_counter() - start, _cpu() - cpu
        transaction.set_rollback(True)
    print(f"  import: apply {apply_s:.1f} s (CPU {apply_cpu:.1f} s); dry run CPU {dry_cpu:.1f} s", flush=True)
    label = f"{rows:,} rows, {counts.get('systems_updated', 0):,} changed"
    reference = "python-calamine read alone"
    return [
        Figure(f"python-calamine read alone ({rows:,}-row ledger xlsx)", round(calamine_s, 2), "s"),
        Figure(
            f"xlsx import dry run ({label})",
            round(dry_s, 2),
            "s",
            reference=round(calamine_s, 2),
            reference_name=reference,
            target=f"< {IMPORT_TARGET_S} s",
        ),
        Figure(
            f"xlsx import apply incl. re-plan ({label})",
            round(apply_s, 2),
            "s",
            reference=round(calamine_s, 2),
            reference_name=reference,
            target=f"< {IMPORT_TARGET_S} s",
        ),
        # CPU seconds (this process and the parsing child): what the run costs when the machine is
        # shared, where wall-clock times mostly measure waiting for a core.
        Figure(f"xlsx import dry run, CPU time ({label})", round(dry_cpu, 2), "s"),
        Figure(f"xlsx import apply, CPU time ({label})", round(apply_cpu, 2), "s"),
    ]


def _cpu() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _create_systems(rows: int):
    """``rows`` systems of one division, numbered IMPB0000001…, as the file's unchanged state."""
    from saiteki.accounts.selectors import divisions_active_on
    from saiteki.ledger.models import System

    divisions = list(divisions_active_on())
    names = [d.name for d in divisions]
    division = next(d for d in divisions if names.count(d.name) == 1)
    batch = []
    for i in range(1, rows + 1):
        batch.append(
            System(
                number=f"{PREFIX}{i:07d}",
                name=f"取込計測システム{i}",
                owning_division=division,
                status="operating",
                hosting_form="shared_platform",
                service_start=datetime.date(2015, 4, 1),
                planned_renewal_fy=2030,
                purpose="計測用",
                business="計測",
                segment_lgwan=True,
            )
        )
        if len(batch) == 5000:
            System.objects.bulk_create(batch)
            batch = []
    if batch:
        System.objects.bulk_create(batch)
    return division


def _write_file(path: Path, rows: int, division) -> None:
    """The ledger workbook's system sheet (every exported column), one row in twenty renamed."""
    import xlsxwriter

    from saiteki.ledger.importers.columns import EXPORTED_FIELDS

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("情報システム")
    ws.write_row(0, 0, [str(f.label) for f in EXPORTED_FIELDS] + ["部局"])
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    bureau = division.parent.name if division.parent_id else ""
    fixed = {
        "owning_division": division.name,
        "status": "運用中",
        "hosting_form": "共通基盤（仮想化サーバ）",
        "segments": "LGWAN接続系",
        "planned_renewal_fy": "令和12年度（2030年度）",
        "purpose": "計測用",
        "business": "計測",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 2,
        "users_internal": "○",
        "users_residents": "×",
        "users_businesses": "×",
        "personal_info": "×",
        "my_number": "×",
        "sso_integrated": "×",
        "ipv6_ready": "×",
    }
    start = datetime.date(2015, 4, 1)
    for i in range(1, rows + 1):
        name = f"取込計測システム{i}" + ("（改）" if i % CHANGED_EVERY == 0 else "")
        out = []
        for f in EXPORTED_FIELDS:
            if f.key == "number":
                out.append(f"{PREFIX}{i:07d}")
            elif f.key == "name":
                out.append(name)
            else:
                out.append(fixed.get(f.key, ""))
        ws.write_row(i, 0, out)
        ws.write_datetime(i, [f.key for f in EXPORTED_FIELDS].index("service_start"), start, date_format)
        ws.write(i, len(EXPORTED_FIELDS), bureau)
    wb.close()


def _calamine_alone(path: Path) -> float:
    import python_calamine

    start = time.perf_counter()  # wall clock; its CPU time is printed too
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        for _row in workbook.get_sheet_by_name(name).iter_rows():
            pass
    return time.perf_counter() - start


if __name__ == "__main__":  # pragma: no cover - manual runs
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    from bench.harness import print_table

    print_table(run())
