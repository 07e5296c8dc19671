"""The 運用状況 page: the health checks of ``/healthz`` and every worker's heartbeat, for people."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from saiteki.core import health
from saiteki.core import permissions as perms


def operations(request):
    """Read-only for those who watch the scheduled jobs (MANAGE_SCHEDULES): admins and auditors."""
    if not perms.has_right(request.user, perms.MANAGE_SCHEDULES):
        raise PermissionDenied(_("運用状況を表示する権限がありません。"))
    states = health.worker_states()
    report = health.HealthReport([health.check_database(), health.check_worker(states), health.check_disk()])
    labels = {
        "database": _("データベース"),
        "worker": _("バックグラウンド処理ワーカー"),
        "disk": _("添付ファイルの保存先"),
    }
    status_labels = {health.OK: _("正常"), health.DEGRADED: _("注意"), health.FAIL: _("異常")}
    return render(
        request,
        "core/operations.html",
        {
            "title": _("運用状況"),
            "overall": status_labels[report.status],
            "overall_status": report.status,
            "checks": [(labels[c.name], c, status_labels[c.status]) for c in report.checks],
            "workers": states,
            "stale_seconds": int(health.stale_after().total_seconds()),
        },
    )
