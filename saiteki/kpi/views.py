"""Pages of the KPI app: the dashboard (every role's landing page), the trend page, one indicator with
its chart and table, the drill-down, the year-end close, the annual reports and the as-of ledger list.

Views hold no business logic: reads through :mod:`.selectors`, writes through :mod:`.services`,
permissions through the policy (``perms``), errors as messages.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError, ParseError, PermissionDeniedError
from saiteki.core.fiscal import fiscal_year_label, parse_date

from . import selectors, services
from .choices import KpiKind, KpiStatus, ReportStatus
from .models import KpiDefinition, KpiReport, KpiValue


def _require_view(request, model=KpiDefinition) -> None:
    if not perms.role_allows(request.user, perms.VIEW, model):
        raise PermissionDenied


def _year(request) -> int:
    """The year of the KPI pages: ``?fy=`` (the year switch), else the session's fiscal year."""
    years = selectors.kpi_years()
    raw = request.GET.get("fy") or request.POST.get("fy")
    try:
        fy = int(raw) if raw else int(getattr(request, "fiscal_year", None) or years[0])
    except (TypeError, ValueError):
        fy = years[0]
    return min(max(fy, years[-1]), years[0])


def _write(request, call, success: str = ""):
    """Run a service write for a page (post/redirect/get): a refusal is a 403 page, any other error
    becomes the page's message (with each field's message), success the given message. Returns the
    service's result, or None when it failed."""
    try:
        result = call()
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    except ApplicationError as exc:
        details = "、".join(str(m) for msgs in exc.fields.values() for m in msgs)
        messages.error(request, f"{exc.message} {details}".strip())
        return None
    if success:
        messages.success(request, success)
    return result


def _year_context(request, fy: int) -> dict:
    closed = selectors.closed_years()
    return {
        "fy": fy,
        "fy_label": fy_text(fy),
        "years": [(y, fy_text(y), y in closed) for y in selectors.kpi_years()],
        "year_closed": closed.get(fy),
        "can_close": perms.has_right(request.user, perms.KPI_CLOSE),
    }


def landing(request):
    """Core's home renders this for every role with a role (registered in ``apps.py``)."""
    if perms.role_of(request.user) is None:
        return None
    return dashboard(request)


def dashboard(request):
    _require_view(request)
    fy = _year(request)
    board = selectors.dashboard_for(user=request.user, fiscal_year=fy)
    values = [k["value"] for k in board.kpis]
    return render(
        request,
        "kpi/dashboard.html",
        {
            "title": _("ホーム"),
            "board": board,
            "status_counts": selectors.status_counts(values),
            "statuses": KpiStatus,
            **_year_context(request, fy),
        },
    )


def trends(request):
    """Every indicator's value per year with its sparkline (the numbers are the table itself)."""
    _require_view(request)
    years = sorted(selectors.kpi_years())
    return render(
        request,
        "kpi/trends.html",
        {
            "title": _("評価指標の推移"),
            "rows": selectors.trend_matrix(years=years),
            "trend_years": years,
            **_year_context(request, _year(request)),
        },
    )


def definition_detail(request, pk: int):
    """One indicator: its trend over the years as a chart with its data table, targets, by 部局."""
    _require_view(request)
    definition = get_object_or_404(
        KpiDefinition.objects.select_related("plan", "measure", "responsible_division"), pk=pk
    )
    fy = _year(request)
    trend = selectors.trend_for(definition=definition)
    current = next((v for v in trend if v.fiscal_year == fy), None)
    if current is not None:
        current = KpiValue.objects.get(pk=current.pk)
    chart = {
        "labels": [fy_text(v.fiscal_year) for v in trend],
        "values": [float(v.value) if v.value is not None else None for v in trend],
        "targets": [float(v.target) if v.target is not None else None for v in trend],
        "names": [_("実績値"), _("目標値")],
        "unit": definition.unit,
    }
    return render(
        request,
        "kpi/definition_detail.html",
        {
            "title": definition.name,
            "definition": definition,
            "kind": services.definition_kind(definition),
            "kinds": KpiKind,
            "trend": trend,
            "chart": chart,
            "current": current,
            "breakdown": selectors.division_breakdown(value=current)
            if current and definition.by_division
            else [],
            **_year_context(request, fy),
        },
    )


#: Detail pages of evidence records counted by sources outside the ledger's systems.
_RECORD_URLS = {"ledger.server": "ledger:server_detail", "reviews.reviewcase": "reviews:case_detail"}


def evidence(request, pk: int):
    """The drill-down: exactly the records counted for one value, and the figures used."""
    _require_view(request)
    value = get_object_or_404(KpiValue.objects.select_related("definition"), pk=pk)
    rows = selectors.evidence_rows(value=value)
    page = Paginator(rows, 200).get_page(request.GET.get("page"))
    for row in page.object_list:  # links for the records of other apps' sources (this page only)
        name = _RECORD_URLS.get(row.get("model", ""))
        if name and not row.get("url"):
            try:
                row["url"] = reverse(name, args=[row["id"]])
            except NoReverseMatch:  # the app is not installed
                pass
    return render(
        request,
        "kpi/evidence.html",
        {
            "title": _("%(name)s（%(fy)s）の根拠")
            % {"name": value.definition.name, "fy": fy_text(value.fiscal_year)},
            "value": value,
            "page": page,
            "figures": (value.evidence or {}).get("figures", {}),
            "entry": (value.evidence or {}).get("entry"),
            "breakdown": selectors.division_breakdown(value=value) if value.definition.by_division else [],
            **_year_context(request, value.fiscal_year),
        },
    )


def _back(request, url: str):
    return HttpResponseRedirect(url)


@require_POST
def refresh(request):
    fy = _year(request)
    if not perms.has_right(request.user, perms.KPI_CLOSE):
        raise PermissionDenied
    services.kpi_values_refresh(fiscal_year=fy)
    messages.success(request, _("%(fy)sの評価指標を再集計しました。") % {"fy": fy_text(fy)})
    return _back(request, reverse("kpi:dashboard") + f"?fy={fy}")


def years(request):
    """The year-end close page: which years are closed, by whom, and the buttons (KPI_CLOSE only)."""
    if not perms.has_right(request.user, perms.KPI_CLOSE):
        raise PermissionDenied
    fy = _year(request)
    return render(request, "kpi/years.html", {"title": _("年度末確定"), **_year_context(request, fy)})


@require_POST
def year_close(request, fy: int):
    _write(
        request,
        lambda: services.fiscal_year_close(fiscal_year=fy, user=request.user, request=request),
        _("%(fy)sを確定しました。") % {"fy": fy_text(fy)},
    )
    return _back(request, reverse("kpi:years") + f"?fy={fy}")


@require_POST
def year_reopen(request, fy: int):
    _write(
        request,
        lambda: services.fiscal_year_reopen(
            fiscal_year=fy, user=request.user, reason=request.POST.get("reason", ""), request=request
        ),
        _("%(fy)sの確定を解除しました。") % {"fy": fy_text(fy)},
    )
    return _back(request, reverse("kpi:years") + f"?fy={fy}")


@require_POST
def entry_set(request, pk: int):
    definition = get_object_or_404(KpiDefinition, pk=pk)
    fy = _year(request)
    _write(
        request,
        lambda: services.kpi_entry_set(
            definition=definition,
            fiscal_year=fy,
            value=request.POST.get("value", ""),
            evidence=request.POST.get("evidence", ""),
            user=request.user,
        ),
        _("実績値を登録しました。"),
    )
    return _back(request, reverse("kpi:definition_detail", args=[pk]) + f"?fy={fy}")


@require_POST
def comment_set(request, pk: int):
    value = get_object_or_404(KpiValue, pk=pk)
    _write(
        request,
        lambda: services.kpi_comment_set(
            value=value, comment=request.POST.get("comment", ""), user=request.user
        ),
        _("所見を保存しました。"),
    )
    return _back(
        request, reverse("kpi:definition_detail", args=[value.definition_id]) + f"?fy={value.fiscal_year}"
    )


def report_list(request):
    """Annual reports: generate one for a closed year (background job), download xlsx or PDF."""
    _require_view(request, KpiReport)
    if request.method == "POST":
        report = _write(
            request,
            lambda: services.kpi_report_request(fiscal_year=request.POST.get("fy", ""), user=request.user),
        )
        if report is not None:
            messages.info(request, _("年次報告の作成を開始しました。進捗は下の一覧に表示されます。"))
            return HttpResponseRedirect(reverse("kpi:report_list") + f"?fy={report.fiscal_year}")
    fy = _year(request)
    closed = selectors.closed_years()
    return render(
        request,
        "kpi/report_list.html",
        {
            "title": _("年次報告（IT戦略推進委員会への報告）"),
            "reports": selectors.reports_for(user=request.user),
            "closed_years": [(y, fy_text(y)) for y in sorted(closed, reverse=True)],
            "done": ReportStatus.DONE,
            **_year_context(request, fy),
        },
    )


def report_download(request, pk: int, fmt: str):
    from .report import report_file_response

    _require_view(request, KpiReport)
    report = get_object_or_404(KpiReport, pk=pk, status=ReportStatus.DONE)
    label = fiscal_year_label(report.fiscal_year)
    return report_file_response(request, report, fmt, filename=f"IT戦略推進委員会報告_{label}.{fmt}")


def ledger_as_of(request):
    """The ledger list as of a date (「時点」): systems — or, with ``?show=servers``, servers — as they
    were, from the change log.

    The ledger's system and server lists (``?as_of=``) and the menu lead here. Scope is the policy's: a
    system owner sees the systems their division owned at that date and the servers of those systems.
    """
    from saiteki.accounts.models import Organization
    from saiteki.ledger.asof import ledger_as_of as build
    from saiteki.ledger.choices import HostingForm, LifecycleStatus
    from saiteki.ledger.models import System

    if not perms.role_allows(request.user, perms.VIEW, System):
        raise PermissionDenied
    raw = request.GET.get("as_of", "")
    error = ""
    try:
        day = parse_date(raw) if raw else dt.date(2014, 3, 31)
    except ParseError as exc:
        error, day = str(exc), dt.date(2014, 3, 31)
    ledger = build(day)
    scoped = perms.is_scoped(request.user, System)
    division_ids = perms.division_ids(request.user) if scoped else None
    query = request.GET.copy()
    query.pop("page", None)
    common = {
        "title": _("情報システム台帳（時点表示）"),
        "day": day,
        "error": error,
        "ledger": ledger,
        "q": request.GET.get("q", ""),
        "query": query.urlencode(),
    }
    if request.GET.get("show") == "servers":
        # The servers as they were: hosts, VMs and the systems they served on that day.
        servers = ledger.server_list(division_ids=division_ids, q=request.GET.get("q", "").strip())
        return render(
            request,
            "kpi/ledger_as_of.html",
            {
                **common,
                "show": "servers",
                "page": Paginator(servers, 100).get_page(request.GET.get("page")),
                "count": len(servers),
                "virtual": sum(1 for s in servers if s.kind == "virtual"),
            },
        )
    status = [s for s in request.GET.getlist("status") if s in LifecycleStatus.values]
    hosting = [h for h in request.GET.getlist("hosting_form") if h in HostingForm.values]
    rows = ledger.filter(
        division_ids=division_ids,
        status=status,
        hosting_form=hosting,
        q=request.GET.get("q", "").strip(),
    )
    divisions = {
        o.pk: o
        for o in Organization.objects.filter(pk__in={r.owning_division for r in rows}).select_related(
            "parent"
        )
    }
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    for r in page:
        r.division = divisions.get(r.owning_division)
    return render(
        request,
        "kpi/ledger_as_of.html",
        {
            **common,
            "page": page,
            "count": len(rows),
            "cloud": sum(1 for r in rows if r.on_cloud),
            "shared": sum(1 for r in rows if r.on_shared_platform),
            "statuses": LifecycleStatus.choices,
            "hostings": HostingForm.choices,
            "selected_status": status,
            "selected_hosting": hosting,
        },
    )
