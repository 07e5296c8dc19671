"""Platform pages: home, fiscal-year switch, preferences, karte entry, audit log, job progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saiteki.core import permissions as perms
from saiteki.core.display import audit_events_for_display, fy_text
from saiteki.core.errors import ApplicationError, ParseError
from saiteki.core.exporting import SheetColumn, write_sheet_xlsx, xlsx_response
from saiteki.core.fiscal import parse_date, parse_fiscal_year
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import AuditEvent, Job
from saiteki.core.services import journal_entry_create
from saiteki.core.views.generic import get_object_for_journal
from saiteki.core.views.redirects import safe_target


def _back(request, fallback: str = "/"):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    return HttpResponseRedirect(safe_target(request, target, fallback))


def home(request):
    """The landing page: an app's registered landing for the user's role (the KPI dashboard), else
    what the user can do, by capability, for the selected fiscal year."""
    from django.utils.module_loading import import_string

    from saiteki.core.registry import registry

    if request.GET.get("menu") != "1":
        for landing in registry.landings_for(perms.role_of(request.user)):
            response = import_string(landing.view)(request)
            if response is not None:
                return response
    recent_jobs = Job.objects.filter(created_by=request.user)[:5]
    return render(request, "core/home.html", {"title": _("ホーム"), "recent_jobs": recent_jobs})


@require_POST
def fiscal_year_switch(request):
    try:
        fy = parse_fiscal_year(request.POST.get("fiscal_year", ""))
    except ParseError as exc:
        messages.error(request, str(exc))
    else:
        request.session["fiscal_year"] = fy
        messages.info(request, _("表示年度を%(label)sに切り替えました。") % {"label": fy_text(fy)})
    return _back(request)


@require_POST
def date_style_switch(request):
    style = request.POST.get("date_style")
    if style in {"wareki", "seireki"}:
        request.user.date_style = style
        request.user.save(update_fields=["date_style"])
    return _back(request)


@require_POST
def journal_add(request, content_type_id: int, object_id: int):
    obj = get_object_for_journal(request, content_type_id, object_id)
    try:
        date = parse_date(request.POST.get("date", ""))
    except ParseError:
        date = None
    try:
        journal_entry_create(
            obj=obj,
            author=request.user,
            kind=request.POST.get("kind", ""),
            date=date,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            files=request.FILES.getlist("files"),
        )
    except ApplicationError as exc:
        details = "、".join(m for msgs in exc.fields.values() for m in msgs)
        messages.error(request, f"{exc.message} {details}".strip())
    else:
        messages.success(request, _("カルテに記録しました。"))
    return _back(request, obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "/")


def audit_log(request):
    """Search the security audit log (IT policy admins and auditors); export what is shown as xlsx.

    Filters live in the query string (kind, user, date range, free text), so a search can be shared
    and its export is exactly the filtered list. Values are shown through :mod:`saiteki.core.display`.
    """
    if not perms.has_right(request.user, perms.AUDIT_LOG):
        raise PermissionDenied(_("監査ログを表示する権限がありません。"))
    qs = AuditEvent.objects.all()
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    actor = request.GET.get("user", "").strip()
    if q:
        qs = qs.filter(
            Q(actor_username__icontains=q) | Q(object_repr__icontains=q) | Q(ip_address__icontains=q)
        )
    if kind in AuditEvent.Kind.values:
        qs = qs.filter(kind=kind)
    if actor:
        qs = qs.filter(actor_username=actor)
    for key, lookup in (("from", "time__date__gte"), ("to", "time__date__lte")):
        value = request.GET.get(key, "").strip()
        if value:
            try:
                qs = qs.filter(**{lookup: parse_date(value)})
            except ParseError as exc:
                messages.error(request, str(exc))
    date_style = getattr(request, "date_style", "wareki")
    if request.GET.get("export") == "xlsx":
        return _audit_log_export(request, qs, date_style)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "title": _("監査ログ"),
            "page": page,
            "events": audit_events_for_display(page.object_list, date_style=date_style),
            "kinds": AuditEvent.Kind.choices,
            "actors": AuditEvent.objects.exclude(actor_username="")
            .order_by("actor_username")
            .values_list("actor_username", flat=True)
            .distinct()[:500],
            "querystring": query.urlencode(),
        },
    )


def _audit_log_export(request, qs, date_style: str):
    """The filtered audit log as xlsx (readable values, as on screen); the export is itself audited."""
    columns = [
        SheetColumn(str(_("日時")), kind="datetime"),
        SheetColumn(str(_("種別"))),
        SheetColumn(str(_("利用者"))),
        SheetColumn(str(_("役割"))),
        SheetColumn(str(_("IPアドレス"))),
        SheetColumn(str(_("対象の種類"))),
        SheetColumn(str(_("対象"))),
        SheetColumn(str(_("詳細")), width=60),
    ]

    def rows():
        chunk = []
        for event in qs.iterator(chunk_size=2000):
            chunk.append(event)
            if len(chunk) == 2000:
                yield from _audit_rows(chunk, date_style)
                chunk = []
        yield from _audit_rows(chunk, date_style)

    title = str(_("監査ログ"))
    data = write_sheet_xlsx(name=title, columns=columns, rows=rows(), title=title, date_style=date_style)
    return xlsx_response(
        request,
        data=data,
        filename=f"{title}.xlsx",
        what="core.audit_log",
        count=qs.count(),
        object_type=AuditEvent._meta.label,
    )


def _audit_rows(events, date_style: str):
    for v in audit_events_for_display(events, date_style=date_style):
        yield [
            timezone.localtime(v.time).replace(tzinfo=None),
            v.kind_label,
            v.user_name,
            v.role_label,
            v.ip_address,
            v.object_type,
            v.object_repr,
            "\n".join(f"{label}: {text}" for label, text in v.details),
        ]


def _visible_job(request, pk):
    job = get_object_or_404(Job, pk=pk)
    if job.created_by_id != request.user.pk and not perms.has_right(request.user, perms.ALL_JOBS):
        raise PermissionDenied(_("この処理を表示する権限がありません。"))
    return job


def job_detail(request, pk):
    job = _visible_job(request, pk)
    return render(request, "core/job_detail.html", {"title": job.title, "job": job})


def job_progress(request, pk):
    """Polled by the progress display (htmx) — a fragment, or JSON for API-style clients."""
    job = _visible_job(request, pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "status": job.status,
                "progress": job.progress,
                "message": job.message,
                "finished": job.is_finished,
            }
        )
    return render(request, "core/_job_progress.html", {"job": job})


@require_POST
def job_selftest(request):
    """Start the self-test job (shows that the worker and the progress display are running)."""
    if not perms.has_right(request.user, perms.RUN_SELFTEST):
        raise PermissionDenied(_("この操作を行う権限がありません。"))
    job = job_enqueue(kind="core.selftest", title=_("動作確認ジョブ"), params={"steps": 5}, user=request.user)
    return redirect("core:job_detail", pk=job.pk)
