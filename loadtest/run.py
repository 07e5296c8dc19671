"""``make loadtest``: 200 concurrent users against the production setup on loopback, driven by Locust.

1. The bench data (:mod:`bench.scale`: demo prefecture + ``SCALE`` bench systems, default ``small`` =
   2,000 systems for a quick run; ``SCALE=default`` is the 50,000 of SPEC §4) in a PostgreSQL database
   (``LOADTEST_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/saiteki_loadtest``).
2. The production setup (:mod:`loadtest.stack`): ``check --deploy``, ``migrate``, ``collectstatic``,
   gunicorn with the production settings (``GUNICORN_WORKERS`` × ``GUNICORN_THREADS``, HTTPS on
   loopback) and the worker (``run_worker``).
3. One session per simulated user, made the way ``force_login`` makes one (200 real logins would spend
   minutes of CPU in the password hasher before the first page); 5% of the users log in through the
   login form instead, so the login page is part of the run.
4. Locust headless in its own process (``locust -f loadtest/locustfile.py``: Locust cannot be imported
   next to Django), ``LOADTEST_USERS`` (200) users spawned at ``LOADTEST_SPAWN_RATE`` per second, for
   ``LOADTEST_TIME`` (default 2m) measured from ``LOADTEST_WARMUP`` (30) seconds after the last user
   started (the ramp-up's burst of first pages and logins is not the steady state).
5. Prints p50/p95/p99 per page, the error count and the peak number of database connections, and writes
   ``bench/results/loadtest-<scale>-<time>.json`` (and ``loadtest-latest.json``).

Exit code 0 when there were no errors and every page's p95 is under ``LOADTEST_TARGET_P95_MS`` (500).
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtest.stack import PY, ROOT, Stack, ensure_postgres_database, log  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SESSIONS_SNIPPET = r"""
import json, random, sys
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from saiteki.accounts.models import Organization, User
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.models import System
import datetime

random.seed(20260401)
backend = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
users = {"admin": User.objects.get(username="demo-admin"), "owner": User.objects.get(username="demo-owner")}

def visible(user):
    ids = list(System.objects.restrict(user, "view").filter(number__startswith="B").values_list("pk", flat=True))
    if not ids:  # an owner whose division got no bench systems still has the demo ones
        ids = list(System.objects.restrict(user, "view").values_list("pk", flat=True))
    random.shuffle(ids)
    return ids[:1000]

def session(user):
    s = SessionStore()
    s[SESSION_KEY] = user._meta.pk.value_to_string(user)
    s[BACKEND_SESSION_KEY] = backend
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key

n = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 200
sessions = []
for i in range(n):
    kind = "admin" if i % 5 < 2 else "owner"
    sessions.append({"kind": kind, "username": users[kind].username, "sessionid": session(users[kind])})
data = {
    "password": "saiteki-demo",
    "users": {k: u.username for k, u in users.items()},
    "systems": {k: visible(u) for k, u in users.items()},
    "bureaus": list(Organization.objects.filter(kind="bureau").values_list("pk", flat=True)),
    "fiscal_year": fiscal_year_of(datetime.date.today()),
    "sessions": sessions,
}
open(OUT, "w").write(json.dumps(data))

# The state the nightly refresh leaves: the current year's KPI values stored, so the dashboards serve
# them (a page recomputes only what was never stored; stale values are refreshed by the worker).
from saiteki.kpi import selectors as kpi_selectors, services as kpi_services
kpi_services.kpi_values_refresh(fiscal_year=kpi_selectors.current_fiscal_year())
"""


def bench_rows_present(url: str, scale: str) -> int | None:
    """The number of bench systems already in the database when it is the wanted scale, else None.

    bench/scale.py would reuse them too, but only after ``migrate`` and ``load_demo``, which take minutes
    on a busy machine even when there is nothing to do."""
    import psycopg

    from bench.scale import SCALES

    wanted = int(scale) if scale.isdigit() else SCALES.get(scale, SCALES["default"])
    u = urlparse(url)
    try:
        with psycopg.connect(
            host=u.hostname,
            port=u.port or 5432,
            user=u.username,
            password=u.password,
            dbname=u.path.lstrip("/"),
        ) as conn:
            n = conn.execute("SELECT count(*) FROM ledger_system WHERE number LIKE 'B%'").fetchone()[0]
            users = conn.execute(
                "SELECT count(*) FROM accounts_user WHERE username = 'demo-admin'"
            ).fetchone()[0]
    except psycopg.Error:
        return None
    return n if n == wanted and users else None


def prepare_data(url: str, scale: str) -> None:
    present = bench_rows_present(url, scale)
    if present is not None and os.environ.get("BENCH_REGENERATE") != "1":
        log(f"ベンチデータ（SCALE={scale}）: {present:,} システムがすでにあります（再利用）")
        return
    log(f"ベンチデータ（SCALE={scale}）: bench/scale.py")
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": url,
        "SCALE": scale,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run([PY, "bench/scale.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"!! bench/scale.py に失敗しました:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout[result.stdout.index("{") :])
    print(
        f"  {report['systems']:,} systems, {report['cost_rows']:,} cost rows ({'reused' if report.get('reused') else report['method']})"
    )


class ConnectionSampler(threading.Thread):
    """Peak number of server connections to the database while the load runs (pg_stat_activity)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.peak = 0
        self.samples: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        u = urlparse(self.url)
        with psycopg.connect(
            host=u.hostname, port=u.port or 5432, user=u.username, password=u.password,
            dbname=u.path.lstrip("/"), autocommit=True,
        ) as conn:  # fmt: skip
            while not self.stop.wait(2):
                n = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()[0]
                self.samples.append(n)
                self.peak = max(self.peak, n)


def seconds(duration: str) -> float:
    """Locust's run-time notation ("2m", "90s", "1h30m", "120") in seconds."""
    total, number = 0.0, ""
    for ch in duration.strip():
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            total += float(number or 0) * {"h": 3600, "m": 60, "s": 1}[ch]
            number = ""
    return total + float(number or 0)


def _ms(value: str) -> float:
    """A percentile cell of Locust's CSV: "N/A" for a page with no request after the statistics reset."""
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def main() -> int:
    url = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saiteki_loadtest")
    scale = os.environ.get("SCALE", "small")
    users = int(os.environ.get("LOADTEST_USERS", "200"))
    spawn_rate = float(os.environ.get("LOADTEST_SPAWN_RATE", "10"))
    run_time = os.environ.get("LOADTEST_TIME", "2m")
    warmup = float(os.environ.get("LOADTEST_WARMUP", "30"))
    wait = os.environ.get("LOADTEST_WAIT", "5,15")
    target = float(os.environ.get("LOADTEST_TARGET_P95_MS", "500"))
    cores = os.cpu_count() or 2
    # Processes, not threads: the pages are CPU-bound Python, so threads of one process wait for each
    # other's GIL. Measured side by side at 50,000 systems on 2 cores (docs/benchmarks.md): 5 × 4 missed
    # p95 500 ms on five pages, 10 × 1 met it on every page.
    workers = int(os.environ.get("GUNICORN_WORKERS", str(5 * cores)))
    threads = int(os.environ.get("GUNICORN_THREADS", "1"))
    workdir = ROOT / "var" / "loadtest"
    workdir.mkdir(parents=True, exist_ok=True)

    ensure_postgres_database(url)
    prepare_data(url, scale)
    stack = Stack(database_url=url, workdir=workdir, workers=workers, threads=threads)
    stack.prepare()
    data_file = workdir / "data.json"
    stack.manage(
        "shell",
        "-c",
        f"OUT = {str(data_file)!r}\n" + SESSIONS_SNIPPET.replace("sys.argv[-1]", repr(str(users))),
    )
    sampler = ConnectionSampler(url)
    load_before = os.getloadavg()
    with stack:
        stack.start()
        prefix = workdir / "locust"
        args = [
            str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
            "-u", str(users), "-r", str(spawn_rate), "-t", f"{math.ceil(users / spawn_rate + warmup + seconds(run_time))}s", "--host", stack.base_url,
            "--csv", str(prefix), "--reset-stats", "--only-summary", "--loglevel", "WARNING",
        ]  # fmt: skip
        log(
            f"Locust: {users} 人（毎秒 {spawn_rate:g} 人ずつ開始）、全員の開始から {warmup:g} 秒後の {run_time} を計測、考える時間 {wait} 秒"
        )
        sampler.start()
        started = time.monotonic()
        env = {
            **os.environ,
            "LOADTEST_DATA": str(data_file),
            "LOADTEST_WAIT": wait,
            "LOADTEST_WARMUP": str(warmup),
        }
        for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
            env.pop(key, None)
        locust = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        sampler.stop.set()
        health = json.loads(stack.get("/healthz")[2])
    load_after = os.getloadavg()
    (workdir / "locust.out").write_text(locust.stdout + "\n" + locust.stderr)
    rows = read_stats(prefix)
    pages = [r for r in rows if r["Name"] != "Aggregated"]
    total = next(r for r in rows if r["Name"] == "Aggregated")
    errors = int(total["Failure Count"])

    print()
    width = max(len(r["Name"]) for r in rows)
    print(
        f"{'page'.ljust(width)}  {'requests':>8}  {'errors':>6}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    )
    slow = []
    for r in [*sorted(pages, key=lambda r: r["Name"]), total]:
        p95 = _ms(r["95%"])
        mark = " !" if p95 >= target and r is not total and int(r["Request Count"]) else ""
        if mark:
            slow.append(r["Name"])
        print(
            f"{r['Name'].ljust(width)}  {int(r['Request Count']):>8,}  {int(r['Failure Count']):>6}  "
            f"{r['50%']:>7}  {r['95%']:>7}  {r['99%']:>7}{mark}"
        )
    rps = float(total["Requests/s"])
    print(
        f"\n{users} users, {rps:.1f} requests/s, errors {errors}; gunicorn {workers} workers × {threads} threads "
        f"(up to {workers * threads} DB connections), peak DB connections {sampler.peak}; "
        f"load average {load_before[0]:.1f} → {load_after[0]:.1f} on {cores} cores"
    )
    ok = errors == 0 and not slow
    print(
        f"target p95 < {target:g} ms and 0 errors: {'met' if ok else 'NOT met'}"
        + (f" (slow: {', '.join(slow)})" if slow else "")
    )

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = {
        "meta": {
            "kind": "loadtest",
            "time": datetime.datetime.now().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "cores": cores,
            "scale": scale,
            "database": url.split("@")[-1],
            "users": users,
            "spawn_rate": spawn_rate,
            "run_time": run_time,
            "warmup_seconds": warmup,
            "wait_seconds": wait,
            "gunicorn_workers": workers,
            "gunicorn_threads": threads,
            "max_db_connections_possible": workers * threads,
            "peak_db_connections": sampler.peak,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "elapsed_seconds": round(elapsed, 1),
            "health_after": health["status"],
            "target": f"p95 < {target:g} ms, 0 errors",
            "target_met": ok,
        },
        "total": {"requests": int(total["Request Count"]), "errors": errors, "rps": rps,
                  "p50": float(total["50%"] or 0), "p95": float(total["95%"] or 0), "p99": float(total["99%"] or 0)},
        "pages": [
            {"name": r["Name"], "method": r["Type"], "requests": int(r["Request Count"]), "errors": int(r["Failure Count"]),
             "p50": _ms(r["50%"]), "p95": _ms(r["95%"]), "p99": _ms(r["99%"]),
             "max": _ms(r["Max Response Time"])}
            for r in pages
        ],
    }  # fmt: skip
    for name in (f"loadtest-{scale}-{stamp}.json", "loadtest-latest.json"):
        (RESULTS / name).write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"written: bench/results/loadtest-{scale}-{stamp}.json")
    if errors:
        failures = Path(f"{prefix}_failures.csv")
        if failures.exists():
            print("\nerrors:\n" + failures.read_text()[:3000])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
