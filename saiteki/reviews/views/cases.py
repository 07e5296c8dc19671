"""A case: the list (+ xlsx), opening one, its page with amounts, opinions, decisions, evaluation and
proposal checks, editing the request, the actions posted from its page, attachments and the review sheet PDF."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError, ConflictError, ValidationFailed
from saiteki.core.views.generic import ObjectListView
from saiteki.core.views.params import id_param
from saiteki.core.views.redirects import safe_target
from saiteki.ledger.choices import CostCategory
from saiteki.reviews import selectors, services
from saiteki.reviews.choices import (
    AMOUNT_KINDS,
    OPEN_STATES,
    AttachmentKind,
    CaseKind,
    CaseState,
    Disposition,
    ProposalStatus,
)
from saiteki.reviews.filtersets import CaseFilterSet
from saiteki.reviews.forms import CaseEditForm, CaseForm
from saiteki.reviews.models import (
    CaseAttachment,
    ProposalCheck,
    ReviewCase,
    RubricCriterion,
)
from saiteki.reviews.tables import CASE_TABLE

from .common import amount_param, case_get, done, failed, fiscal_year_param


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
        initial = {
            "fiscal_year": str(fiscal_year_param(request) + 1),
            "kind": request.GET.get("kind", CaseKind.PRE_BUDGET),
        }
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
                return done(request, case, _("審査案件を作成しました。要求額を入力して提出してください。"))
        return render(
            request, "reviews/case_form.html", {"form": form, "title": _("審査案件の作成")}, status=400
        )


class CaseDetailView(View):
    def get(self, request, pk):
        case = case_get(request, pk)
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
            "can_edit_request": services.may_edit_request(user, case),
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


#: More quote rows than any RFI has: a bigger count is a hand-edited form, not a table.
MAX_QUOTE_ROWS = 500


class CaseEditView(View):
    def get(self, request, pk):
        case = case_get(request, pk)
        if not services.may_edit_request(request.user, case):
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
                    "version",
                )
            }
        )
        return render(request, "reviews/case_form.html", {"form": form, "title": str(case), "case": case})

    def post(self, request, pk):
        case = case_get(request, pk)
        form = CaseEditForm(request.POST)
        status = 400
        if form.is_valid():
            values = dict(form.cleaned_data)
            version, reason = values.pop("version"), values.pop("change_reason")
            try:
                services.case_update(
                    user=request.user, case=case, values=values, reason=reason, expected_version=version
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status_code if isinstance(exc, ConflictError) else 400
            else:
                return done(request, case, _("保存しました。"))
        return render(
            request, "reviews/case_form.html", {"form": form, "title": str(case), "case": case}, status=status
        )


class CaseActionView(View):
    """POST-only actions on a case; each calls one service."""

    action = ""

    def post(self, request, pk):
        case = case_get(request, pk)
        url = case.get_absolute_url()
        try:
            message = getattr(self, f"do_{self.action}")(request, case)
        except ApplicationError as exc:
            return failed(request, exc, url)
        return done(request, safe_target(request, request.POST.get("next"), url), message)

    def do_requested(self, request, case):
        values = {
            c: amount_param(request.POST.get(f"r_{c}", ""), f"r_{c}")
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
                values[line.category] = amount_param(request.POST.get(key, ""), key)
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
        count = request.POST.get("rows", "0") or "0"
        if not count.isdigit() or int(count) > MAX_QUOTE_ROWS:
            raise ValidationFailed()  # a hand-edited form: the table's row count is not readable
        rows = []
        for i in range(int(count)):
            vendor = request.POST.get(f"q_vendor_{i}", "")
            category = request.POST.get(f"q_category_{i}", "")
            amount = amount_param(request.POST.get(f"q_amount_{i}", ""), f"q_amount_{i}")
            if vendor.strip() and category in CostCategory.values and amount is not None:
                rows.append((vendor, category, amount))
        n = services.quotes_set(user=request.user, case=case, quotes=rows)
        return _("見積比較を保存しました（%(n)s件）。") % {"n": n}

    def do_attach(self, request, case):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("ファイルを選択してください。"))
        services.attachment_add(
            user=request.user, case=case, upload=upload, kind=request.POST.get("kind", "other")
        )
        return _("添付しました。")

    def do_opinion(self, request, case):
        opinion = get_object_or_404(case.opinions.all(), pk=id_param(request.POST.get("opinion")))
        services.opinion_write(user=request.user, opinion=opinion, text=request.POST.get("opinion_text", ""))
        return _("意見を記入しました。")

    def do_respond(self, request, case):
        opinion = get_object_or_404(case.opinions.all(), pk=id_param(request.POST.get("opinion")))
        services.opinion_respond(
            user=request.user, opinion=opinion, text=request.POST.get("owner_response", "")
        )
        return _("対応を記入しました。")

    def do_check(self, request, case):
        check = get_object_or_404(
            ProposalCheck.objects.filter(case=case), pk=id_param(request.POST.get("check"))
        )
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
            raise ValidationFailed(_("台帳のシステムの案件で登録します。"))
        due = request.POST.get("due_fiscal_year", "")
        services.proposal_create(
            user=request.user,
            system=case.system,
            source_case=case,
            title=request.POST.get("title", ""),
            detail=request.POST.get("detail", ""),
            due_fiscal_year=int(due) if due.isdigit() else case.fiscal_year + 1,
            expected_saving=amount_param(request.POST.get("expected_saving", ""), "expected_saving") or 0,
        )
        return _("改善提案を登録しました。")

    def do_budget(self, request, case):
        counts = services.case_budget_apply(user=request.user, case=case)
        return _("査定額を台帳の予算額に反映しました（新規%(created)s件、更新%(updated)s件）。") % counts


class AttachmentDownloadView(View):
    def get(self, request, pk, attachment_id):
        case = case_get(request, pk)
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

        from saiteki.reviews.pdf import review_sheet_pdf

        case = case_get(request, pk)
        data = review_sheet_pdf(case=case, request=request)
        response = HttpResponse(data, content_type="application/pdf")
        from urllib.parse import quote

        name = f"審査票_{case.pk}.pdf"
        response["Content-Disposition"] = (
            f"inline; filename=\"review-{case.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
        )
        return response
