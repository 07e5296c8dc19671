"""Background work of the KPI app: the nightly refresh of open years and the annual report."""

from __future__ import annotations

from saiteki.core.jobs import job_kind

from .choices import JOB_REFRESH, JOB_REPORT


@job_kind(JOB_REFRESH)
def refresh_open_years(job, report) -> dict:
    """Recompute the current and the previous fiscal year unless closed (closed years never move)."""
    from . import selectors, services

    current = selectors.current_fiscal_year()
    done = {}
    for i, fy in enumerate((current - 1, current)):
        report(50 * i, str(fy))
        if services.year_is_closed(fy):
            done[str(fy)] = "closed"
            continue
        done[str(fy)] = len(services.kpi_values_refresh(fiscal_year=fy))
    report(100, "")
    return done


@job_kind(JOB_REPORT)
def generate_report(job, report) -> dict:
    from . import services

    result = services.kpi_report_generate(report_id=int(job.params["report_id"]), progress=report)
    return {"report_id": result.pk, "digest": result.digest}
