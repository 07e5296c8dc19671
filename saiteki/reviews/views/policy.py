"""The IT policy division's pages: proposals, the evaluation plan, gate exceptions, the rubric and the
gate's settings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError, ValidationFailed
from saiteki.core.views.generic import ObjectListView
from saiteki.ledger.models import System
from saiteki.reviews import selectors, services
from saiteki.reviews.choices import (
    GateKind,
    ProposalStatus,
)
from saiteki.reviews.filtersets import ProposalFilterSet
from saiteki.reviews.forms import GateSettingForm
from saiteki.reviews.models import (
    EvaluationPlanItem,
    GateException,
    GateSetting,
    Proposal,
    RubricCriterion,
)
from saiteki.reviews.tables import PROPOSAL_TABLE

from .common import done, failed, fiscal_year_param, require_view


class ProposalListView(ObjectListView):
    model = Proposal
    table = PROPOSAL_TABLE
    filterset_class = ProposalFilterSet
    title = gettext_lazy("改善提案")
    template_name = "reviews/proposal_list.html"

    def extra_context(self, request) -> dict:
        return {"can_adopt": perms.has_right(request.user, perms.REVIEW_DECIDE)}


class ProposalDetailView(View):
    def get(self, request, pk):
        proposal = get_object_or_404(
            Proposal.objects.restrict(request.user, perms.VIEW).select_related("system", "source_case"), pk=pk
        )
        return render(
            request,
            "reviews/proposal_detail.html",
            {
                "title": str(proposal),
                "proposal": proposal,
                "statuses": ProposalStatus.choices,
                "can_change": perms.can(request.user, perms.CHANGE, proposal),
                "checks": proposal.checks.select_related("case"),
            },
        )

    def post(self, request, pk):
        proposal = get_object_or_404(Proposal.objects.restrict(request.user, perms.VIEW), pk=pk)
        try:
            services.proposal_update(
                user=request.user,
                proposal=proposal,
                status=request.POST.get("status", ""),
                evidence=request.POST.get("evidence", ""),
            )
        except ApplicationError as exc:
            return failed(request, exc, proposal.get_absolute_url())
        return done(request, proposal, _("保存しました。"))


class ProposalAdoptView(View):
    def post(self, request):
        try:
            n = services.proposals_from_journal(user=request.user)
        except ApplicationError as exc:
            return failed(request, exc, reverse("reviews:proposal_list"))
        return done(
            request, reverse("reviews:proposal_list"), _("カルテの提案から%(n)s件を登録しました。") % {"n": n}
        )


class PlanView(View):
    def get(self, request):
        require_view(request.user, EvaluationPlanItem)
        fy = fiscal_year_param(request)
        rows = selectors.plan_progress(user=request.user, fiscal_year=fy)
        done = sum(1 for r in rows if r["state"] in ("approved", "conditional"))
        return render(
            request,
            "reviews/plan.html",
            {
                "title": _("評価計画"),
                "fiscal_year": fy,
                "rows": rows,
                "done": done,
                "can_generate": perms.has_right(request.user, perms.REVIEW_DECIDE),
            },
        )

    def post(self, request):
        fy = fiscal_year_param(request)
        url = reverse("reviews:plan") + f"?fiscal_year={fy}"
        try:
            every = int(request.POST.get("every_years", "5") or 5)
            limit = request.POST.get("limit", "")
            n = services.plan_generate(
                user=request.user,
                fiscal_year=fy,
                every_years=max(1, min(every, 20)),
                limit=int(limit) if limit.isdigit() else None,
            )
        except ApplicationError as exc:
            return failed(request, exc, url)
        return done(request, url, _("評価計画に%(n)sシステムを追加しました。") % {"n": n})


class ExceptionListView(View):
    def get(self, request):
        require_view(request.user, GateException)
        fy = request.GET.get("fiscal_year", "")
        return render(
            request,
            "reviews/exceptions.html",
            {
                "title": _("審査ゲートの例外"),
                "rows": selectors.exceptions_for(
                    user=request.user, fiscal_year=int(fy) if fy.isdigit() else None
                ),
                "gates": GateKind.choices,
                "can_add": perms.has_right(request.user, perms.REVIEW_DECIDE),
                "fiscal_year": fiscal_year_param(request),
            },
        )

    def post(self, request):
        url = reverse("reviews:exception_list")
        system = System.objects.filter(number=request.POST.get("system_number", "").strip()).first()
        try:
            if system is None:
                raise ValidationFailed(_("システム番号が台帳にありません。"))
            fy = request.POST.get("fiscal_year", "")
            services.gate_exception_create(
                user=request.user,
                system=system,
                fiscal_year=int(fy) if fy.isdigit() else fiscal_year_param(request),
                gate=request.POST.get("gate", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            return failed(request, exc, url)
        return done(request, url, _("例外を登録しました。"))


class RubricView(View):
    def get(self, request):
        require_view(request.user, RubricCriterion)
        return render(
            request,
            "reviews/rubric.html",
            {
                "title": _("評価項目（ルーブリック）"),
                "criteria": RubricCriterion.objects.all(),
                "usage": RubricCriterion.objects.annotate(n=Count("evaluationscore")).values_list("pk", "n"),
            },
        )


class GateSettingView(View):
    def _setting(self):
        return GateSetting.objects.order_by("pk").first()

    def get(self, request):
        if not perms.has_right(request.user, perms.REVIEW_DECIDE):
            raise PermissionDenied(_("この画面を表示する権限がありません。"))
        s = self._setting()
        form = GateSettingForm(
            initial={
                "enabled": s.enabled if s else False,
                "first_fiscal_year": str(s.first_fiscal_year if s else fiscal_year_param(request) + 1),
                "review_days": s.review_days if s else 10,
                "response_days": s.response_days if s else 10,
                "opinion_days": s.opinion_days if s else 5,
            }
        )
        return render(request, "reviews/gate_setting.html", {"title": _("審査ゲートの設定"), "form": form})

    def post(self, request):
        if not perms.has_right(request.user, perms.REVIEW_DECIDE):
            raise PermissionDenied(_("この画面を表示する権限がありません。"))
        form = GateSettingForm(request.POST)
        if form.is_valid():
            try:
                services.gate_setting_save(user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                return done(request, reverse("reviews:gate_setting"), _("保存しました。"))
        return render(
            request, "reviews/gate_setting.html", {"title": _("審査ゲートの設定"), "form": form}, status=400
        )
