"""The review board of a year, the owner's cases, the advisor's queue and a system's reviews (karte)."""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.ledger.models import System
from saiteki.reviews import selectors
from saiteki.reviews.choices import (
    OPEN_STATES,
    CaseKind,
    CaseState,
)
from saiteki.reviews.models import (
    AdvisorOpinion,
    GateException,
    Proposal,
    ReviewCase,
)

from .common import fiscal_year_param, require_view


class BoardView(View):
    """Review board of a fiscal year: cases by kind and state, totals, by 部局, the reductions trend."""

    def get(self, request):
        require_view(request.user, ReviewCase)
        fy = fiscal_year_param(request)
        summary = selectors.summary_totals(user=request.user, fiscal_year=fy)
        trend = selectors.reductions_trend(user=request.user)
        counts = selectors.state_counts(user=request.user, fiscal_year=fy)
        context = {
            "title": _("審査ボード"),
            "fiscal_year": fy,
            "summary": summary,
            "kinds": CaseKind.choices,
            "states": CaseState.choices,
            "counts": counts,
            "bureaus": selectors.by_bureau(user=request.user, fiscal_year=fy),
            "trend": trend,
            "trend_json": json.dumps(
                {
                    "labels": [fy_text(r["fiscal_year"], style="wareki") for r in trend],
                    "requested": [r["requested"] for r in trend],
                    "assessed": [r["assessed"] for r in trend],
                    "reduction": [r["reduction"] for r in trend],
                },
                ensure_ascii=False,
            ),
            "trend_average": (sum(r["reduction"] for r in trend) // len(trend)) if trend else 0,
            "overdue": selectors.overdue_cases(user=request.user)
            .filter(fiscal_year=fy)
            .select_related("system")[:50],
            "exceptions": selectors.exceptions_for(user=request.user, fiscal_year=fy),
            "years": list(range(fy - 7, fy + 2)),
            "can_add": perms.role_allows(request.user, perms.ADD, ReviewCase),
        }
        return render(request, "reviews/board.html", context)


class MyCasesView(View):
    def get(self, request):
        require_view(request.user, ReviewCase)
        return render(
            request,
            "reviews/my_cases.html",
            {
                "title": _("自分の案件"),
                "groups": selectors.my_cases(user=request.user),
                "today": timezone.localdate(),
                "proposals": Proposal.objects.restrict(request.user, perms.CHANGE)
                .filter(status__in=("todo", "doing"))
                .select_related("system")[:100],
            },
        )


class OpinionQueueView(View):
    def get(self, request):
        require_view(request.user, AdvisorOpinion)
        return render(
            request,
            "reviews/opinion_queue.html",
            {
                "title": _("意見照会（CIO補佐官）"),
                "pending": selectors.opinion_queue(user=request.user),
                "answered": selectors.opinion_queue(user=request.user, answered=True)[:50],
                "today": timezone.localdate(),
                "can_opinion": perms.has_right(request.user, perms.ADVISOR_OPINION),
            },
        )


class SystemReviewsView(View):
    """A system's reviews for its karte: cases, gate status of this and next year, proposals, exceptions."""

    def get(self, request, pk):
        system = get_object_or_404(System.objects.restrict(request.user, perms.VIEW), pk=pk)
        fy = fiscal_year_param(request)
        return render(
            request,
            "reviews/system_reviews.html",
            {
                "title": _("%(system)s の審査") % {"system": system},
                "system": system,
                "cases": selectors.system_cases(user=request.user, system=system),
                "gates": [(y, selectors.gate_status(system=system, fiscal_year=y)) for y in (fy, fy + 1)],
                "proposals": Proposal.objects.filter(system=system),
                "exceptions": GateException.objects.filter(system=system),
                "open_states": OPEN_STATES,
                "can_add": perms.can(request.user, perms.CHANGE, system)
                and perms.role_allows(request.user, perms.ADD, ReviewCase),
            },
        )
