"""``manage.py run_scheduler``: enqueue the apps' recurring jobs when they are due.

Runs beside ``db_worker`` (``make demo`` starts both; production runs it as its own systemd unit).
It only enqueues; the worker runs the jobs. Two schedulers running at once are safe: each due time is
claimed once (see :mod:`saiteki.core.scheduler`).
"""

from __future__ import annotations

import signal
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from saiteki.core.health import Heartbeat
from saiteki.core.models import WorkerHeartbeat
from saiteki.core.registry import registry
from saiteki.core.scheduler import scheduler_tick


class Command(BaseCommand):
    help = "定期処理を予定どおりバックグラウンド処理に登録します（--once で1回だけ）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="1回だけ確認して終了します（cron・テスト用）。"
        )
        parser.add_argument("--interval", type=float, default=30.0, help="確認の間隔（秒）。既定 30 秒。")

    def handle(self, *args, once: bool = False, interval: float = 30.0, **options):
        self._stop = False
        heartbeat = None
        if not once:
            # The operations page and /healthz see a stopped scheduler (saiteki.core.health).
            heartbeat = Heartbeat(
                kind=WorkerHeartbeat.Kind.SCHEDULER, worker_id=f"scheduler-{uuid.uuid4().hex}"
            )
            heartbeat.start()
            signal.signal(signal.SIGTERM, self._request_stop)
            signal.signal(signal.SIGINT, self._request_stop)
            self.stdout.write(
                f"scheduler: {len(registry.schedules)} schedule(s), checking every {interval:g} s"
            )
        while True:
            close_old_connections()
            for run in scheduler_tick():
                self.stdout.write(f"enqueued {run.schedule} for {run.due_at.isoformat()} (job {run.job_id})")
            if once or self._stop:
                break
            self._sleep(max(0.1, interval))
        if heartbeat is not None:
            heartbeat.stop()
        close_old_connections()

    def _sleep(self, seconds: float) -> None:
        """Sleep in short steps so SIGTERM (systemd stop, Ctrl+C in make demo) ends the loop quickly."""
        end = time.monotonic() + seconds
        while not self._stop:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(0.5, remaining))

    def _request_stop(self, signum, frame) -> None:
        self._stop = True
