"""The review sheet (審査票) of a case as an A4 PDF (WeasyPrint with the Noto CJK fonts installed on the
machine; nothing is fetched from the network — the HTML has no external resources)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from saiteki.core.fiscal import format_date

from .models import ReviewCase


def review_sheet_html(*, case: ReviewCase, date_style: str = "wareki") -> str:
    return render_to_string(
        "reviews/review_sheet.html",
        {
            "case": case,
            "lines": list(case.lines.all()),
            "quotes": list(case.quotes.all()),
            "opinions": list(case.opinions.select_related("advisor")),
            "decisions": list(case.decisions.all()),
            "checks": list(case.checks.select_related("proposal")),
            "evaluation": getattr(case, "evaluation", None) if case.kind == "C" else None,
            "printed": format_date(timezone.localdate(), date_style),
        },
    )


def review_sheet_pdf(*, case: ReviewCase, request=None) -> bytes:
    from weasyprint import HTML

    html = review_sheet_html(case=case, date_style=getattr(request, "date_style", "wareki"))
    return HTML(string=html, base_url=None).write_pdf()
