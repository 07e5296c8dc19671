"""Background work of the KPI app: the nightly refresh of open years and the annual report."""

from __future__ import annotations

from saiteki.core.jobs import job_kind

from .choices import JOB_REFRESH, JOB_REPORT


@job_kind(JOB_REFRESH)
def refresh_open_years(job, report) -> dict:
    """Recompute the current and the previous fiscal year unless closed (closed years never move) —
    the nightly schedule — or, with ``params["fiscal_year"]``, that one year: what a page asks for when
    its values have gone stale (``if_stale``: skipped when another refresh already brought them up to
    date)."""
    from . import selectors, services

    current = selectors.current_fiscal_year()
    asked = job.params.get("fiscal_year")
    years = (int(asked),) if asked else (current - 1, current)
    done = {}
    for i, fy in enumerate(years):
        report(100 * i // len(years), str(fy))
        if services.year_is_closed(fy):
            done[str(fy)] = "closed"
            continue
        if job.params.get("if_stale") and not selectors.year_is_stale(fy):
            done[str(fy)] = "fresh"
            continue
        done[str(fy)] = len(services.kpi_values_refresh(fiscal_year=fy))
    report(100, "")
    return done


@job_kind(JOB_REPORT)
def generate_report(job, report) -> dict:
    from . import services

    result = services.kpi_report_generate(report_id=int(job.params["report_id"]), progress=report)
    return {"report_id": result.pk, "digest": result.digest}
