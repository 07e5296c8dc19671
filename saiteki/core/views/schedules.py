"""The schedules page: what runs when, how the last run went, and 「今すぐ実行」."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saiteki.core import permissions as perms
from saiteki.core import scheduler
from saiteki.core.errors import ApplicationError


def schedules(request):
    """Every declared schedule (MANAGE_SCHEDULES): timing, next run, last run, status and result."""
    if not perms.has_right(request.user, perms.MANAGE_SCHEDULES):
        raise PermissionDenied(_("定期処理を表示する権限がありません。"))
    return render(
        request,
        "core/schedules.html",
        {
            "title": _("定期処理"),
            "rows": scheduler.schedules_overview(),
            "can_run": perms.has_right(request.user, perms.RUN_SCHEDULES),
            "can_open_jobs": perms.has_right(request.user, perms.ALL_JOBS),
        },
    )


@require_POST
def schedule_run(request, name: str):
    if not perms.has_right(request.user, perms.RUN_SCHEDULES):
        raise PermissionDenied(_("定期処理を実行する権限がありません。"))
    try:
        run = scheduler.schedule_run_now(name=name, user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("core:schedules")
    job = run.job
    assert job is not None  # schedule_claim always attaches the job it enqueued
    messages.success(request, _("「%(title)s」を登録しました。") % {"title": job.title})
    return redirect("core:job_detail", pk=run.job_id)
