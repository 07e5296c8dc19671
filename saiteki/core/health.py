"""Health of the running service: the database, the background worker and the disk for uploads.

Three readers share these checks: ``/healthz`` for the load balancer (JSON, 200 or 503), the 運用状況
page for IT staff, and ``make prod-check``. Why each check decides what it decides:

- **database** — nothing works without it: failure is ``fail`` (503), so the load balancer takes the
  node out of rotation;
- **worker** — without a live worker, imports, reports and scheduled jobs wait but every page still
  works: a stale or missing heartbeat is ``degraded`` (200), shown to people, not to the balancer;
- **disk** — uploads (karte attachments, import files) go to ``MEDIA_ROOT``: below the warning level
  it is ``degraded``; below the critical level, or not writable, uploads would fail half-way, so
  it is ``fail``.

The heartbeat itself is written here too (:class:`Heartbeat`): a daemon thread in the worker and the
scheduler updates one row every few seconds, so a long task (an optimisation of several minutes) does
not make a busy worker look dead, while a killed process stops beating at once.

``/healthz`` is answered by :class:`HealthCheckMiddleware` before any other middleware: no session,
no login, no host check and no HTTPS redirect — a load balancer probes the node by its address over
plain HTTP, which ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` would otherwise refuse.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("saiteki.health")

OK, DEGRADED, FAIL = "ok", "degraded", "fail"
_RANK = {OK: 0, DEGRADED: 1, FAIL: 2}

HEALTH_PATHS = ("/healthz", "/healthz/")


def _setting(name: str, default):
    return getattr(settings, name, default)


def stale_after() -> datetime.timedelta:
    """A process that has not beaten for this long is reported as not answering."""
    return datetime.timedelta(seconds=_setting("SAITEKI_WORKER_STALE_SECONDS", 60))


@dataclass
class Check:
    name: str
    status: str
    message: str
    details: dict = field(default_factory=dict)


@dataclass
class HealthReport:
    checks: list[Check]

    @property
    def status(self) -> str:
        return max((c.status for c in self.checks), key=_RANK.__getitem__, default=OK)

    @property
    def http_status(self) -> int:
        return 503 if self.status == FAIL else 200

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "time": timezone.now().isoformat(timespec="seconds"),
            "checks": {c.name: {"status": c.status, "message": c.message, **c.details} for c in self.checks},
        }


# --- checks ---------------------------------------------------------------------------------------


def database_aliases() -> list[str]:
    """Every configured database (a hot standby too, when one is configured), or the setting's list."""
    return list(_setting("SAITEKI_HEALTH_DATABASES", None) or settings.DATABASES)


def _probe(alias: str) -> dict:
    conn = connections[alias]
    start = time.perf_counter()
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database is the answer
        # The broken connection must not be reused by the next request of this thread.
        try:
            conn.close()
        except Exception:  # noqa: BLE001, S110
            pass
        logger.warning("health: database %s unreachable: %s", alias, exc)
        return {"status": FAIL, "vendor": conn.vendor, "error": type(exc).__name__}
    return {"status": OK, "vendor": conn.vendor, "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_database(aliases: list[str] | None = None) -> Check:
    """Connect to each database and run one query; the time it took tells a slow one from a dead one."""
    probes = {alias: _probe(alias) for alias in (aliases or database_aliases())}
    failed = [alias for alias, p in probes.items() if p["status"] != OK]
    details: dict = {"databases": probes}
    if "ms" in probes.get(DEFAULT_DB_ALIAS, {}):
        details["ms"] = probes[DEFAULT_DB_ALIAS]["ms"]
    if failed:
        return Check(
            "database",
            FAIL,
            _("データベースに接続できません（%(names)s）。") % {"names": "、".join(failed)},
            details,
        )
    return Check("database", OK, _("データベースに接続できます。"), details)


@dataclass
class WorkerState:
    """One heartbeat row as the operations page shows it."""

    heartbeat: Any  # a WorkerHeartbeat (models are imported lazily: this module loads before apps)
    state: str  # "live", "stale" or "stopped"
    age_seconds: int

    @property
    def label(self) -> str:
        return {"live": _("稼働中"), "stale": _("応答なし"), "stopped": _("停止")}[self.state]


def worker_states(now: datetime.datetime | None = None) -> list[WorkerState]:
    from saiteki.core.models import WorkerHeartbeat

    now = now or timezone.now()
    limit = stale_after()
    out = []
    for hb in WorkerHeartbeat.objects.all():
        age = now - hb.beat_at
        if hb.stopped_at is not None:
            state = "stopped"
        elif age > limit:
            state = "stale"
        else:
            state = "live"
        out.append(WorkerState(hb, state, max(0, int(age.total_seconds()))))
    return out


def check_worker(states: list[WorkerState] | None = None) -> Check:
    """At least one live worker; stale ones (killed, hung host) are named so someone restarts them."""
    if states is None:
        try:
            states = worker_states()
        except Exception as exc:  # noqa: BLE001 - the database check reports the cause
            return Check("worker", FAIL, _("ワーカーの状態を読み取れません。"), {"error": type(exc).__name__})
    workers = [s for s in states if s.heartbeat.kind == "worker"]
    live = [s for s in workers if s.state == "live"]
    stale = [s for s in workers if s.state == "stale"]
    details = {
        "live": len(live),
        "stale": len(stale),
        "stale_after_seconds": int(stale_after().total_seconds()),
    }
    if live:
        details["last_beat_seconds"] = min(s.age_seconds for s in live)
        if stale:
            return Check(
                "worker",
                DEGRADED,
                _("応答のないワーカーがあります（%(n)d 件）。") % {"n": len(stale)},
                details,
            )
        return Check("worker", OK, _("ワーカーが稼働しています。"), details)
    if stale:
        details["last_beat_seconds"] = min(s.age_seconds for s in stale)
        return Check(
            "worker",
            DEGRADED,
            _("ワーカーが応答していません。バックグラウンド処理が実行されません。"),
            details,
        )
    return Check(
        "worker",
        DEGRADED,
        _("稼働中のワーカーがありません。バックグラウンド処理が実行されません。"),
        details,
    )


def _existing(path: Path) -> Path:
    """The folder itself, or its nearest existing parent (MEDIA_ROOT is created at the first upload)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> Check:
    media = Path(settings.MEDIA_ROOT)
    where = _existing(media)
    usage = shutil.disk_usage(where)
    warn = int(_setting("SAITEKI_DISK_WARN_BYTES", 1024**3))
    critical = int(_setting("SAITEKI_DISK_CRITICAL_BYTES", 100 * 1024**2))
    details = {
        "path": str(media),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_percent": round(usage.free * 100 / usage.total, 1) if usage.total else 0,
    }
    if not os.access(where, os.W_OK):
        return Check("disk", FAIL, _("添付ファイルの保存先に書き込めません。"), details)
    if usage.free < critical:
        return Check("disk", FAIL, _("添付ファイルの保存先の空き容量がほとんどありません。"), details)
    if usage.free < warn:
        return Check("disk", DEGRADED, _("添付ファイルの保存先の空き容量が少なくなっています。"), details)
    return Check("disk", OK, _("添付ファイルの保存先に十分な空き容量があります。"), details)


def run_checks() -> HealthReport:
    db = check_database()
    worker = (
        check_worker()
        if db.status == OK
        else Check("worker", DEGRADED, _("データベースに接続できないため確認できません。"))
    )
    return HealthReport([db, worker, check_disk()])


# --- HTTP -------------------------------------------------------------------------------------------


def healthz(request) -> JsonResponse:
    """The load balancer's probe: JSON, 200 when the node can serve (ok or degraded), 503 when not."""
    report = run_checks()
    response = JsonResponse(
        report.as_dict(), status=report.http_status, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answers ``/healthz`` before sessions, host validation and the HTTPS redirect (see module doc).

    Only GET and HEAD; anything else falls through to the normal stack (and its 405).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)


# --- the heartbeat ----------------------------------------------------------------------------------


class Heartbeat:
    """Writes this process's heartbeat row every ``interval`` seconds from a daemon thread.

    ``busy(text)`` / ``idle()`` record what the process is doing; ``stop()`` marks the row stopped, so
    a deliberate shutdown (systemd stop, deploy) reads differently from a crash. The thread uses its
    own database connection (Django connections are per thread) and survives database outages: a
    failed beat is logged and retried at the next tick.
    """

    def __init__(self, *, kind: str, worker_id: str, interval: float | None = None):
        self.kind = kind
        self.worker_id = worker_id[:64]
        self.interval = float(interval if interval is not None else _setting("SAITEKI_HEARTBEAT_SECONDS", 10))
        self.current = ""
        self.tasks_done = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        from saiteki.core.models import WorkerHeartbeat

        now = timezone.now()
        # Rows of processes gone for a week are history nobody needs on the operations page.
        WorkerHeartbeat.objects.filter(beat_at__lt=now - datetime.timedelta(days=7)).delete()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "kind": self.kind,
                "hostname": socket.gethostname()[:200],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                "stopped_at": None,
                "current": "",
                "tasks_done": 0,
            },
        )
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.kind}", daemon=True)
        self._thread.start()
        return self

    def busy(self, text: str) -> None:
        with self._lock:
            self.current = text[:300]

    def idle(self, *, done: bool = True) -> None:
        with self._lock:
            self.current = ""
            if done:
                self.tasks_done += 1

    def beat(self) -> None:
        from saiteki.core.models import WorkerHeartbeat

        with self._lock:
            current, done = self.current, self.tasks_done
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            beat_at=timezone.now(), current=current, tasks_done=done, stopped_at=None
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    close_old_connections()
                    self.beat()
                except Exception as exc:  # noqa: BLE001 - a missed beat is what the check detects
                    logger.warning("heartbeat %s: %s", self.worker_id, exc)
                    connections.close_all()
        finally:
            connections.close_all()

    def stop(self) -> None:
        from saiteki.core.models import WorkerHeartbeat

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        try:
            now = timezone.now()
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                beat_at=now, stopped_at=now, current="", tasks_done=self.tasks_done
            )
        except Exception as exc:  # noqa: BLE001 - shutting down with the database gone
            logger.warning("heartbeat %s: could not record the stop: %s", self.worker_id, exc)
