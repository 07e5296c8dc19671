"""``make bench``: set up a benchmark database, run every suite, print a table, write results/latest.json.

Database: ``BENCH_DATABASE_URL`` (default: SQLite file var/bench.sqlite3). Suites: ``BENCH_SUITES``
(comma separated; default all). Figures are measured on this machine in one run; compare ratios
measured side by side rather than absolute times across machines.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    )
    (ROOT / "var").mkdir(exist_ok=True)
    from bench.scale import ensure_database

    ensure_database(os.environ["DATABASE_URL"])  # a PostgreSQL bench database is created when absent
    import django

    django.setup()
    from django.core.management import call_command

    from bench.harness import Figure, print_table, write_results

    wanted = {s for s in os.environ.get("BENCH_SUITES", "").split(",") if s}
    figures: list[Figure] = []
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    figures.append(Figure("setup: migrate + demo data", round(time.perf_counter() - start, 2), "s"))

    suites = {"pages": "bench.pages"}
    for extra in (
        "bench.ledger",
        "bench.optimizer_bench",
        "bench.planner_bench",
        "bench.export_bench",
        "bench.import_bench",
        "bench.lifecycle_bench",
        "bench.knowledge_bench",
        "bench.kpi_bench",
        "bench.reviews_bench",
        "bench.resilience_bench",
        "bench.sam_bench",
    ):
        try:
            __import__(extra)
            suites[extra.split(".")[-1]] = extra
        except ModuleNotFoundError:
            pass
    for name, module_name in suites.items():
        if wanted and name not in wanted:
            continue
        module = __import__(module_name, fromlist=["run"])
        print(f"==> {name}", flush=True)
        figures += module.run() if name != "optimizer_bench" else [Figure(**f) for f in module.run(None)]
    print()
    print_table(figures)
    path = write_results(figures, {"database": os.environ["DATABASE_URL"].split("@")[-1]})
    print(f"\nwritten: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
