"""Review pages: the board, the case list (+ xlsx), a case with its amounts, opinions, decisions,
evaluation and proposal checks, the owner's view, the advisor's queue, proposals, the evaluation plan,
gate exceptions and settings. Every write is a POST to a service; errors come back as messages."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError, ParseError
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.money import parse_yen
from saiteki.core.views.generic import ObjectListView
from saiteki.ledger.choices import CostCategory
from saiteki.ledger.models import System

from . import selectors, services
from .choices import (
    AMOUNT_KINDS,
    OPEN_STATES,
    AttachmentKind,
    CaseKind,
    CaseState,
    Disposition,
    GateKind,
    ProposalStatus,
)
from .filtersets import CaseFilterSet, ProposalFilterSet
from .forms import CaseEditForm, CaseForm, GateSettingForm
from .models import (
    AdvisorOpinion,
    CaseAttachment,
    EvaluationPlanItem,
    GateException,
    GateSetting,
    Proposal,
    ProposalCheck,
    ReviewCase,
    RubricCriterion,
)
from .tables import CASE_TABLE, PROPOSAL_TABLE


def _fy(request) -> int:
    raw = request.GET.get("fiscal_year") or request.POST.get("fiscal_year")
    if raw and str(raw).isdigit() and 1989 <= int(raw) <= 2100:
        return int(raw)
    return getattr(request, "fiscal_year", None) or fiscal_year_of(timezone.localdate())


def _require_view(user, model) -> None:
    if not perms.role_allows(user, perms.VIEW, model):
        raise PermissionDenied(_("この画面を表示する権限がありません。"))


def _case(request, pk: int) -> ReviewCase:
    return get_object_or_404(selectors.case_detail_queryset(request.user), pk=pk)


def _done(request, case_or_url, message: str | None = None):
    if message:
        messages.success(request, message)
    url = case_or_url if isinstance(case_or_url, str) else case_or_url.get_absolute_url()
    return redirect(url)


def _failed(request, exc: ApplicationError, url: str):
    messages.error(request, str(exc.message))
    for field_errors in exc.fields.values():
        for msg in field_errors:
            messages.error(request, str(msg))
    return redirect(url)


def _amount(raw: str, field: str) -> int | None:
    try:
        return parse_yen(raw) if (raw or "").strip() else None
    except ParseError as exc:
        raise ParseError(exc.message, fields={field: [str(exc.message)]}) from exc


# --- board -------------------------------------------------------------------------------------------


class BoardView(View):
    """Review board of a fiscal year: cases by kind and state, totals, by 部局, the reductions trend."""

    def get(self, request):
        _require_view(request.user, ReviewCase)
        fy = _fy(request)
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


# --- cases -------------------------------------------------------------------------------------------


class CaseListView(ObjectListView):
    """All cases the user may see, filtered in the query string; ?export=xlsx gives the year's case list."""

    model = ReviewCase
    table = CASE_TABLE
    filterset_class = CaseFilterSet
    title = gettext_lazy("審査案件")
    export_scope_filters = ("fiscal_year",)

    def export_scope(self, request, filterset) -> list[str]:
        raw = request.GET.get("fiscal_year")
        return [fy_text(int(raw))] if raw and raw.isdigit() else []

    def extra_context(self, request) -> dict:
        return {"add_url": reverse("reviews:case_add")}


class CaseCreateView(View):
    def get(self, request):
        if not perms.role_allows(request.user, perms.ADD, ReviewCase):
            raise PermissionDenied(_("審査案件を作成する権限がありません。"))
        initial = {"fiscal_year": str(_fy(request) + 1), "kind": request.GET.get("kind", CaseKind.PRE_BUDGET)}
        if request.GET.get("system", "").isdigit():
            initial["system"] = int(request.GET["system"])
        form = CaseForm(initial=initial, user=request.user)
        return render(request, "reviews/case_form.html", {"form": form, "title": _("審査案件の作成")})

    def post(self, request):
        if not perms.role_allows(request.user, perms.ADD, ReviewCase):
            raise PermissionDenied(_("審査案件を作成する権限がありません。"))
        form = CaseForm(request.POST, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            extra = {
                k: d[k]
                for k in (
                    "procurement_method",
                    "planned_contract_title",
                    "planned_vendor",
                    "planned_start",
                    "planned_end",
                )
                if d.get(k)
            }
            try:
                case = services.case_create(
                    user=request.user,
                    kind=d["kind"],
                    fiscal_year=d["fiscal_year"],
                    system=d.get("system"),
                    planned_system_name=d.get("planned_system_name") or "",
                    title=d.get("title") or "",
                    summary=d.get("summary") or "",
                    **extra,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                for field, msgs in exc.fields.items():
                    for msg in msgs:
                        form.add_error(field if field in form.fields else None, msg)
            else:
                return _done(request, case, _("審査案件を作成しました。要求額を入力して提出してください。"))
        return render(
            request, "reviews/case_form.html", {"form": form, "title": _("審査案件の作成")}, status=400
        )


class CaseDetailView(View):
    def get(self, request, pk):
        case = _case(request, pk)
        user = request.user
        lines = list(case.lines.all())
        shown = {line.category: line for line in lines}
        context = {
            "case": case,
            "object": case,
            "title": str(case),
            "lines": lines,
            "categories": CostCategory.choices,
            "shown_lines": shown,
            "quotes": _quote_matrix(case),
            "attachments": case.attachments.all(),
            "attachment_kinds": AttachmentKind.choices,
            "opinions": case.opinions.select_related("advisor", "requested_by"),
            "decisions": case.decisions.select_related("decided_by"),
            "checks": case.checks.select_related("proposal"),
            "proposals": case.proposals.all(),
            "transitions": workflow.available_transitions(case, user, include_blocked=True),
            "history": workflow.transition_history(case),
            "can_edit_request": services._may_edit_request(user, case),
            "can_assess": perms.has_right(user, perms.REVIEW_DECIDE)
            and case.state in (CaseState.UNDER_REVIEW, CaseState.ADVISOR),
            "can_decide": perms.has_right(user, perms.REVIEW_DECIDE),
            "can_opinion": perms.has_right(user, perms.ADVISOR_OPINION),
            "can_respond": perms.can(user, perms.CHANGE, case),
            "has_amounts": case.kind in AMOUNT_KINDS,
            "overdue": bool(
                case.due_date and case.due_date < timezone.localdate() and case.state in OPEN_STATES
            ),
            "is_d": case.kind == CaseKind.PRE_CONTRACT,
            "is_c": case.kind == CaseKind.EVALUATION,
            "can_apply_budget": case.kind == CaseKind.PRE_BUDGET
            and case.state in ("approved", "conditional")
            and case.system_id is not None
            and perms.can(user, perms.CHANGE, case.system),
            "proposal_statuses": ProposalStatus.choices,
            "dispositions": Disposition.choices,
        }
        if case.kind == CaseKind.EVALUATION and case.system_id:
            evaluation = getattr(case, "evaluation", None)
            scores = {s.criterion_id: s for s in evaluation.scores.all()} if evaluation else {}
            context.update(
                {
                    "evaluation": evaluation,
                    "criteria": [(c, scores.get(c.pk)) for c in RubricCriterion.objects.filter(active=True)],
                    "peers": selectors.peers(system=case.system, fiscal_year=case.fiscal_year),
                    "utilisation": selectors.utilisation(system=case.system),
                    "platforms": selectors.common_platforms(system=case.system),
                }
            )
        if case.system_id:
            context["open_proposals"] = selectors.open_proposals(system=case.system)
        return render(request, "reviews/case_detail.html", context)


def _quote_matrix(case: ReviewCase) -> dict:
    quotes = list(case.quotes.all())
    vendors = sorted({q.vendor_name for q in quotes})
    cats = [c for c in CostCategory.values if any(q.category == c for q in quotes)]
    cells = {(q.vendor_name, q.category): q.amount for q in quotes}
    totals = {v: sum(a for (vn, _c), a in cells.items() if vn == v) for v in vendors}
    rows = []
    for c in cats:
        amounts = [cells.get((v, c)) for v in vendors]
        present = [a for a in amounts if a is not None]
        rows.append(
            {"category": CostCategory(c).label, "amounts": amounts, "min": min(present) if present else None}
        )
    return {"vendors": vendors, "rows": rows, "totals": [totals[v] for v in vendors], "raw": quotes}


class CaseEditView(View):
    def get(self, request, pk):
        case = _case(request, pk)
        if not services._may_edit_request(request.user, case):
            raise PermissionDenied(_("現在の状態ではこの案件を編集できません。"))
        form = CaseEditForm(
            initial={
                f: getattr(case, f)
                for f in (
                    "title",
                    "summary",
                    "procurement_method",
                    "planned_contract_title",
                    "planned_vendor",
                    "planned_start",
                    "planned_end",
                )
            }
        )
        return render(request, "reviews/case_form.html", {"form": form, "title": str(case), "case": case})

    def post(self, request, pk):
        case = _case(request, pk)
        form = CaseEditForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(user=request.user, case=case, values=form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                return _done(request, case, _("保存しました。"))
        return render(
            request, "reviews/case_form.html", {"form": form, "title": str(case), "case": case}, status=400
        )


class CaseActionView(View):
    """POST-only actions on a case; each calls one service."""

    action = ""

    def post(self, request, pk):
        case = _case(request, pk)
        url = case.get_absolute_url()
        try:
            message = getattr(self, f"do_{self.action}")(request, case)
        except ApplicationError as exc:
            return _failed(request, exc, url)
        return _done(request, request.POST.get("next") or url, message)

    def do_requested(self, request, case):
        values = {
            c: _amount(request.POST.get(f"r_{c}", ""), f"r_{c}")
            for c in CostCategory.values
            if f"r_{c}" in request.POST
        }
        services.case_requested_set(user=request.user, case=case, requested=values)
        return _("要求額を保存しました。")

    def do_assess(self, request, case):
        values = {}
        notes = {}
        for line in case.lines.all():
            key = f"a_{line.category}"
            if key in request.POST:
                values[line.category] = _amount(request.POST.get(key, ""), key)
                notes[line.category] = request.POST.get(f"n_{line.category}", "")
        services.case_assess(
            user=request.user, case=case, assessed=values, notes=notes, findings=request.POST.get("findings")
        )
        return _("査定額を保存しました。")

    def do_transition(self, request, case):
        version = request.POST.get("version")
        services.case_transition(
            user=request.user,
            case=case,
            name=request.POST.get("name", ""),
            comment=request.POST.get("comment", ""),
            expected_version=int(version) if version and version.isdigit() else None,
        )
        return _("「%(state)s」にしました。") % {
            "state": ReviewCase.objects.get(pk=case.pk).get_state_display()
        }

    def do_quotes(self, request, case):
        rows = []
        for i in range(int(request.POST.get("rows", "0") or 0)):
            vendor = request.POST.get(f"q_vendor_{i}", "")
            category = request.POST.get(f"q_category_{i}", "")
            amount = _amount(request.POST.get(f"q_amount_{i}", ""), f"q_amount_{i}")
            if vendor.strip() and category in CostCategory.values and amount is not None:
                rows.append((vendor, category, amount))
        n = services.quotes_set(user=request.user, case=case, quotes=rows)
        return _("見積比較を保存しました（%(n)s件）。") % {"n": n}

    def do_attach(self, request, case):
        upload = request.FILES.get("file")
        if upload is None:
            raise services.ValidationFailed(_("ファイルを選択してください。"))
        services.attachment_add(
            user=request.user, case=case, upload=upload, kind=request.POST.get("kind", "other")
        )
        return _("添付しました。")

    def do_opinion(self, request, case):
        opinion = get_object_or_404(case.opinions.all(), pk=request.POST.get("opinion"))
        services.opinion_write(user=request.user, opinion=opinion, text=request.POST.get("opinion_text", ""))
        return _("意見を記入しました。")

    def do_respond(self, request, case):
        opinion = get_object_or_404(case.opinions.all(), pk=request.POST.get("opinion"))
        services.opinion_respond(
            user=request.user, opinion=opinion, text=request.POST.get("owner_response", "")
        )
        return _("対応を記入しました。")

    def do_check(self, request, case):
        check = get_object_or_404(ProposalCheck.objects.filter(case=case), pk=request.POST.get("check"))
        raw = request.POST.get("addressed", "")
        services.proposal_check_record(
            user=request.user,
            check=check,
            addressed={"yes": True, "no": False}.get(raw),
            note=request.POST.get("note", ""),
        )
        return _("改善提案の確認結果を保存しました。")

    def do_evaluate(self, request, case):
        scores = {}
        for c in RubricCriterion.objects.filter(active=True):
            raw = request.POST.get(f"s_{c.pk}", "")
            scores[c.pk] = (int(raw) if raw.isdigit() else None, request.POST.get(f"sn_{c.pk}", ""))
        services.evaluation_save(
            user=request.user,
            case=case,
            scores=scores,
            disposition=request.POST.get("disposition", ""),
            summary=request.POST.get("summary", ""),
        )
        return _("評価を保存しました。")

    def do_propose(self, request, case):
        if case.system_id is None:
            raise services.ValidationFailed(_("台帳のシステムの案件で登録します。"))
        due = request.POST.get("due_fiscal_year", "")
        services.proposal_create(
            user=request.user,
            system=case.system,
            source_case=case,
            title=request.POST.get("title", ""),
            detail=request.POST.get("detail", ""),
            due_fiscal_year=int(due) if due.isdigit() else case.fiscal_year + 1,
            expected_saving=_amount(request.POST.get("expected_saving", ""), "expected_saving") or 0,
        )
        return _("改善提案を登録しました。")

    def do_budget(self, request, case):
        counts = services.case_budget_apply(user=request.user, case=case)
        return _("査定額を台帳の予算額に反映しました（新規%(created)s件、更新%(updated)s件）。") % counts


class AttachmentDownloadView(View):
    def get(self, request, pk, attachment_id):
        case = _case(request, pk)
        att = get_object_or_404(CaseAttachment.objects.filter(case=case), pk=attachment_id)
        try:
            handle = att.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=att.name)


class CasePdfView(View):
    """The review sheet (審査票) as an A4 PDF with the Japanese font embedded."""

    def get(self, request, pk):
        from django.http import HttpResponse

        from .pdf import review_sheet_pdf

        case = _case(request, pk)
        data = review_sheet_pdf(case=case, request=request)
        response = HttpResponse(data, content_type="application/pdf")
        from urllib.parse import quote

        name = f"審査票_{case.pk}.pdf"
        response["Content-Disposition"] = (
            f"inline; filename=\"review-{case.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
        )
        return response


# --- owners, advisors --------------------------------------------------------------------------------


class MyCasesView(View):
    def get(self, request):
        _require_view(request.user, ReviewCase)
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
        _require_view(request.user, AdvisorOpinion)
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


# --- proposals, plan, exceptions, rubric, settings ---------------------------------------------------


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
            return _failed(request, exc, proposal.get_absolute_url())
        return _done(request, proposal, _("保存しました。"))


class ProposalAdoptView(View):
    def post(self, request):
        try:
            n = services.proposals_from_journal(user=request.user)
        except ApplicationError as exc:
            return _failed(request, exc, reverse("reviews:proposal_list"))
        return _done(
            request, reverse("reviews:proposal_list"), _("カルテの提案から%(n)s件を登録しました。") % {"n": n}
        )


class PlanView(View):
    def get(self, request):
        _require_view(request.user, EvaluationPlanItem)
        fy = _fy(request)
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
        fy = _fy(request)
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
            return _failed(request, exc, url)
        return _done(request, url, _("評価計画に%(n)sシステムを追加しました。") % {"n": n})


class ExceptionListView(View):
    def get(self, request):
        _require_view(request.user, GateException)
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
                "fiscal_year": _fy(request),
            },
        )

    def post(self, request):
        url = reverse("reviews:exception_list")
        system = System.objects.filter(number=request.POST.get("system_number", "").strip()).first()
        try:
            if system is None:
                raise services.ValidationFailed(_("システム番号が台帳にありません。"))
            fy = request.POST.get("fiscal_year", "")
            services.gate_exception_create(
                user=request.user,
                system=system,
                fiscal_year=int(fy) if fy.isdigit() else _fy(request),
                gate=request.POST.get("gate", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            return _failed(request, exc, url)
        return _done(request, url, _("例外を登録しました。"))


class RubricView(View):
    def get(self, request):
        _require_view(request.user, RubricCriterion)
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
                "first_fiscal_year": str(s.first_fiscal_year if s else _fy(request) + 1),
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
                return _done(request, reverse("reviews:gate_setting"), _("保存しました。"))
        return render(
            request, "reviews/gate_setting.html", {"title": _("審査ゲートの設定"), "form": form}, status=400
        )


class SystemReviewsView(View):
    """A system's reviews for its karte: cases, gate status of this and next year, proposals, exceptions."""

    def get(self, request, pk):
        system = get_object_or_404(System.objects.restrict(request.user, perms.VIEW), pk=pk)
        fy = _fy(request)
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
