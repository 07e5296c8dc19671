"""The annual report to the IT strategy committee (IT戦略推進委員会への報告) of a closed fiscal year.

One :class:`ReportData` is read from the closed year's stored values and the ledger, then written as
xlsx (the shared export writer) and as an A4 PDF (WeasyPrint, Noto CJK, charts as inline SVG drawn
here, page numbers). Nothing in it depends on the clock except the printed date, and ``digest`` hashes
the numbers, so the same data gives the same numbers every time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core.fiscal import fiscal_year_label, format_date
from saiteki.core.registry import registry

from .models import KpiValue
from .templatetags.kpi import kpi_text


@dataclass
class ReportData:
    fiscal_year: int
    label: str
    kpis: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    costs: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    summary: dict[str, int]
    digest: str = ""
    printed: str = ""
    charts: dict[str, str] = field(default_factory=dict)


def _num(v) -> str | None:
    return None if v is None else str(v)


def report_data(*, fiscal_year: int) -> ReportData:
    """Everything the report shows, from the stored (closed) values; no recomputation."""
    from saiteki.ledger.choices import RUN_CATEGORIES, CostStage
    from saiteki.ledger.models import Cost

    values = list(
        KpiValue.objects.filter(fiscal_year=fiscal_year, definition__active=True)
        .select_related("definition", "definition__plan", "definition__measure")
        .defer("evidence")
        .order_by("definition__sort_order", "definition__code")
    )
    kpis = []
    measures: dict[str, dict[str, Any]] = {}
    summary = {"achieved": 0, "not_achieved": 0, "undetermined": 0}
    for v in values:
        d = v.definition
        summary[v.status] = summary.get(v.status, 0) + 1
        row = {
            "code": d.code,
            "plan": d.plan.name,
            "measure": str(d.measure) if d.measure else "",
            "name": d.name,
            "unit": d.unit,
            "value": _num(v.value),
            "value_text": kpi_text(v.value, d.unit),
            "target": _num(v.target),
            "target_text": kpi_text(v.target, d.unit) if v.target is not None else d.target_text,
            "status": v.status,
            "status_label": str(v.get_status_display()),
            "closed": v.closed,
            "evidence_count": v.evidence_count,
            "comment": v.comment,
            "source": d.source_key,
        }
        kpis.append(row)
        key = row["measure"] or d.plan.name
        m = measures.setdefault(
            key, {"measure": key, "plan": d.plan.name, "kpis": [], "achieved": 0, "total": 0}
        )
        m["kpis"].append(row)
        m["total"] += 1
        m["achieved"] += v.status == "achieved"
    first = min(2008, fiscal_year)
    totals = dict(
        Cost.objects.filter(
            fiscal_year__gte=first,
            fiscal_year__lte=fiscal_year,
            stage=CostStage.BUDGET,
            category__in=RUN_CATEGORIES,
        )
        .order_by()
        .values_list("fiscal_year")
        .annotate(t=Sum("amount"))
    )
    costs = [
        {"fiscal_year": y, "label": fiscal_year_label(y), "total": totals.get(y, 0)}
        for y in range(first, fiscal_year + 1)
    ]
    # Chapters come from the capabilities (registry.ReportSection): an app that is not installed
    # simply has no chapter, and each chapter may add a table of its own. The tables frozen by the
    # year-end close are used as stored; a year closed before a chapter existed gets it computed now.
    from .models import FiscalYearClose

    frozen = (
        FiscalYearClose.objects.filter(fiscal_year=fiscal_year, closed=True)
        .values_list("report_tables", flat=True)
        .first()
    ) or {}
    sections = []
    for section in registry.sorted_report_sections():
        rows = [k for k in kpis if k["source"].startswith(section.kpi_prefix)]
        table = frozen[section.key] if section.key in frozen else section_table(section, fiscal_year)
        sections.append({"key": section.key, "title": str(section.title), "kpis": rows, "table": table})
    data = ReportData(
        fiscal_year=fiscal_year,
        label=fiscal_year_label(fiscal_year),
        kpis=kpis,
        measures=list(measures.values()),
        costs=costs,
        sections=sections,
        summary=summary,
    )
    payload = json.dumps(
        {
            "fy": fiscal_year,
            "kpis": kpis,
            "costs": costs,
            "sections": [(s["key"], s["table"]) for s in sections],
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    data.digest = hashlib.sha256(payload.encode()).hexdigest()
    data.printed = format_date(timezone.localdate())
    data.charts = {"cost": cost_chart_svg(costs), "status": status_chart_svg(summary)}
    return data


def section_table(section, fiscal_year: int) -> dict | None:
    """A chapter's table computed now, in the plain JSON form it is frozen in (dates and decimals as
    text), so a stored table and a freshly computed one print and hash alike."""
    if section.table is None:
        return None
    table = section.table(fiscal_year)
    return None if table is None else json.loads(json.dumps(table, ensure_ascii=False, default=str))


def report_tables_freeze(fiscal_year: int) -> dict[str, dict | None]:
    """Every chapter's table as it stands: what the year-end close stores."""
    return {s.key: section_table(s, fiscal_year) for s in registry.sorted_report_sections() if s.table}


def cost_chart_svg(costs: list[dict[str, Any]], *, width: int = 640, height: int = 220) -> str:
    """A bar chart of the recurring cost per year as SVG (the PDF has no script)."""
    if not costs:
        return ""
    top = max(c["total"] for c in costs) or 1
    n = len(costs)
    bar = (width - 60) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" font-family="Noto Sans CJK JP, sans-serif" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_("運用等経費の推移")}">',
        f'<line x1="50" y1="{height - 30}" x2="{width - 5}" y2="{height - 30}" stroke="#333" stroke-width="1"/>',
    ]
    for i, c in enumerate(costs):
        h = (height - 50) * c["total"] / top
        x = 52 + i * bar
        y = height - 30 - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" height="{h:.1f}" fill="#1d3f72"/>'
        )
        parts.append(
            f'<text x="{x + bar * 0.35:.1f}" y="{height - 16}" font-size="9" text-anchor="middle">{str(c["fiscal_year"])[2:]}</text>'
        )
    parts.append(f'<text x="4" y="14" font-size="10">{_("億円")}</text>')
    parts.append(f'<text x="4" y="28" font-size="10">{top / 1e8:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def status_chart_svg(summary: dict[str, int], *, width: int = 640, height: int = 40) -> str:
    """A stacked bar of 達成 / 未達 / 判定不能 with the counts written on it (not colour alone)."""
    total = sum(summary.values()) or 1
    colours = {"achieved": "#2e7d32", "not_achieved": "#c62828", "undetermined": "#757575"}
    labels = {"achieved": _("達成"), "not_achieved": _("未達"), "undetermined": _("判定不能")}
    x = 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" font-family="Noto Sans CJK JP, sans-serif" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for key in ("achieved", "not_achieved", "undetermined"):
        w = width * summary.get(key, 0) / total
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colours[key]}"/>')
            parts.append(
                f'<text x="{x + 4:.1f}" y="{height / 2 + 4}" font-size="12" fill="#fff">{labels[key]} {summary.get(key, 0)}</text>'
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)


def report_xlsx(data: ReportData) -> bytes:
    """The report as a workbook: 概要, 評価指標, 取組項目別, 経費推移 (the shared writer: yen formats,
    FY labels, frozen headers)."""
    from saiteki.core.exporting import ExcelWorkbook, SheetColumn

    book = ExcelWorkbook()
    title = _("IT戦略推進委員会への報告　%(fy)s") % {"fy": data.label}
    s = book.add_sheet(_("概要"), [SheetColumn(_("項目")), SheetColumn(_("内容"))], title=title)
    s.write_rows(
        [
            [_("対象年度"), data.label],
            [_("評価指標の数"), len(data.kpis)],
            [_("達成"), data.summary.get("achieved", 0)],
            [_("未達"), data.summary.get("not_achieved", 0)],
            [_("判定不能"), data.summary.get("undetermined", 0)],
            [_("内容のハッシュ"), data.digest],
        ]
    )
    s = book.add_sheet(
        _("評価指標"),
        [
            SheetColumn(_("計画")),
            SheetColumn(_("取組項目")),
            SheetColumn(_("指標コード")),
            SheetColumn(_("指標")),
            SheetColumn(_("実績"), kind="number"),
            SheetColumn(_("目標"), kind="number"),
            SheetColumn(_("単位")),
            SheetColumn(_("判定")),
            SheetColumn(_("根拠の件数"), kind="number"),
            SheetColumn(_("所見")),
        ],
        title=title,
        subtitle=_("評価指標と達成状況（年度末確定値）"),
    )
    s.write_rows(
        [
            k["plan"],
            k["measure"],
            k["code"],
            k["name"],
            Decimal(k["value"]) if k["value"] is not None else None,
            Decimal(k["target"]) if k["target"] is not None else None,
            k["unit"],
            k["status_label"],
            k["evidence_count"],
            k["comment"],
        ]
        for k in data.kpis
    )
    s = book.add_sheet(
        _("取組項目別"),
        [
            SheetColumn(_("取組項目")),
            SheetColumn(_("指標数"), kind="number"),
            SheetColumn(_("達成"), kind="number"),
        ],
        title=title,
    )
    s.write_rows([m["measure"], m["total"], m["achieved"]] for m in data.measures)
    s = book.add_sheet(
        _("経費推移"),
        [SheetColumn(_("年度"), kind="fy"), SheetColumn(_("運用等経費（予算額）"), kind="yen")],
        title=title,
    )
    s.write_rows([c["fiscal_year"], c["total"]] for c in data.costs)
    s = book.add_sheet(
        _("各機能の状況"),
        [SheetColumn(_("区分")), SheetColumn(_("指標")), SheetColumn(_("実績")), SheetColumn(_("判定"))],
        title=title,
    )
    rows = []
    for sec in data.sections:
        for k in sec["kpis"]:
            rows.append([sec["title"], k["name"], k["value_text"], k["status_label"]])
    s.write_rows(rows)
    for sec in data.sections:
        table = sec["table"]
        if table and table["rows"]:
            s = book.add_sheet(
                str(table["caption"])[:31], [SheetColumn(str(c)) for c in table["columns"]], title=title
            )
            s.write_rows(table["rows"])
    return book.close()


def report_html(data: ReportData) -> str:
    return render_to_string("kpi/report_pdf.html", {"data": data})


def report_pdf(data: ReportData) -> bytes:
    """A4 PDF with the Japanese font embedded (Noto Sans CJK JP from the machine; no network)."""
    from weasyprint import HTML

    return HTML(string=report_html(data), base_url=None).write_pdf()


REPORT_CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_file_response(request, report, fmt: str, *, filename: str):
    """The stored xlsx or PDF of a generated report as a download (the page and the API alike): the
    export audit (``kpi.annual_report``) and the file name come from the shared download helper."""
    from django.http import Http404

    from saiteki.core.exporting import download_response

    file = {"xlsx": report.xlsx, "pdf": report.pdf}.get(fmt)
    if not file:
        raise Http404
    with file.open("rb") as fh:
        data = fh.read()
    return download_response(
        request,
        data=data,
        filename=filename,
        what="kpi.annual_report",
        content_type=REPORT_CONTENT_TYPES[fmt],
        file_format=fmt,
        obj=report,
    )
