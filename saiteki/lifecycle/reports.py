"""The lifecycle chapter of the annual report: support-end risk (KPI values) and the renewal forecast
by fiscal year × 部局 with estimated costs, the figure the committee budgets from.

The forecast is computed from the live ledger and catalogue as of the year's end (today for a year
that has just ended); the year-end close stores the table (``FiscalYearClose.report_tables``), so a
closed year keeps printing the forecast it was closed with however the ledger changes afterwards.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg

#: Fiscal years the report's forecast covers, the closed year first (what is overdue lands there).
REPORT_YEARS = 5


def renewal_forecast_table(fiscal_year: int) -> dict | None:
    from saiteki.core.display import date_text, fy_text

    from . import selectors

    on = selectors.year_end_or_today(fiscal_year)
    rows = selectors.renewal_forecast(user=None, on=on, years=REPORT_YEARS, include_all=True)
    if not rows:
        return None
    summary = selectors.forecast_summary(rows, selectors.forecast_years(on, REPORT_YEARS))
    years = summary["years"]
    columns = [_("部局")]
    for fy in years:
        columns += [f"{fy_text(fy)} " + _("件数"), f"{fy_text(fy)} " + _("概算経費(円)")]
    lines = []
    for bureau, cells in summary["by_bureau"].items():
        line: list = [bureau]
        for fy in years:
            line += [cells[fy]["systems"], cells[fy]["cost"]]
        lines.append(line)
    total: list = [_("合計")]
    for fy in years:
        total += [summary["by_year"][fy]["systems"], summary["by_year"][fy]["cost"]]
    lines.append(total)
    return {
        "caption": _(
            "更改予測（%(date)s時点、部局別・年度別の件数と概算経費。期限を過ぎたものは%(first)sに計上）"
        )
        % {"date": date_text(on), "first": fy_text(years[0])},
        "columns": columns,
        "rows": lines,
    }


reg.registry.register_report_section(
    reg.ReportSection(
        "lifecycle",
        gettext_lazy("ライフサイクル（サポート期限）のリスク"),
        "lifecycle.",
        order=30,
        table=renewal_forecast_table,
    )
)
