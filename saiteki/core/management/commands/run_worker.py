"""``manage.py run_worker``: the background worker with a heartbeat.

It is django-tasks-db's ``db_worker`` (same options, same queue, same claiming) plus a heartbeat row
(:class:`saiteki.core.health.Heartbeat`) that ``/healthz`` and the 運用状況 page read: a worker that
was killed, or whose host hangs, stops beating and shows up as 応答なし within a minute. The row also
says which task runs and how many have run. A deliberate stop (SIGTERM from systemd) marks it 停止.

Production runs it as the ``saiteki-worker`` systemd unit (docs/deploy.md); ``make demo`` starts it.
``db_worker`` still works, only without the heartbeat.
"""

from __future__ import annotations

from django_tasks_db.compat import task_finished, task_started
from django_tasks_db.management.commands import db_worker

from saiteki.core.health import Heartbeat
from saiteki.core.models import WorkerHeartbeat


class Command(db_worker.Command):
    help = "バックグラウンド処理ワーカーを起動します（db_worker に稼働記録（ハートビート）を加えたもの）。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat-interval",
            type=float,
            default=None,
            help="稼働記録を書く間隔（秒）。既定は設定 SAITEKI_HEARTBEAT_SECONDS（10 秒）。",
        )

    def handle(self, *args, heartbeat_interval: float | None = None, **options):  # type: ignore[override]
        heartbeat = Heartbeat(
            kind=WorkerHeartbeat.Kind.WORKER, worker_id=options["worker_id"], interval=heartbeat_interval
        ).start()

        def started(sender, task_result, **kwargs):
            heartbeat.busy(f"{task_result.task.name} {task_result.id}")

        def finished(sender, task_result, **kwargs):
            heartbeat.idle()

        task_started.connect(started, weak=False)
        task_finished.connect(finished, weak=False)
        try:
            super().handle(*args, **options)
        finally:
            task_started.disconnect(started)
            task_finished.disconnect(finished)
            heartbeat.stop()
