"""Writes of the review gates. Every function checks the policy, runs in one transaction and change
batch (the change log gets who, when and why), and raises ``ApplicationError`` with a Japanese message.

State changes go through :func:`case_transition` (which calls ``saiteki.core.workflow.transition_run``
and then does what a transition means beyond the case: the decision record, the opinion request,
notifications). The page's buttons and both API routes call it, so they cannot behave differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.attachments import attachment_errors, attachment_name_normalise
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError, PermissionDeniedError, ValidationFailed
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import JournalEntry
from saiteki.core.notifications import notify
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import System

from .choices import (
    AMOUNT_KINDS,
    APPROVED_STATES,
    NOTIFY_DECIDED,
    NOTIFY_OPINION_REQUESTED,
    NOTIFY_OPINION_WRITTEN,
    NOTIFY_OVERDUE,
    NOTIFY_RETURNED,
    NOTIFY_SUBMITTED,
    OPEN_PROPOSAL_STATUSES,
    OPEN_STATES,
    REVIEWER_STATES,
    CaseKind,
    CaseState,
    Disposition,
    GateKind,
    ProposalStatus,
)
from .models import (
    FY_MAX,
    FY_MIN,
    AdvisorOpinion,
    CaseAttachment,
    CaseLine,
    Evaluation,
    EvaluationPlanItem,
    EvaluationScore,
    GateException,
    GateSetting,
    Proposal,
    ProposalCheck,
    ReviewCase,
    ReviewDecision,
    RubricCriterion,
    VendorQuote,
    due_in,
    step_days,
)

#: The change reason of 予算額 written from an approved P case (SPEC C4).
BUDGET_APPLY_REASON = "予算要求前審査の結果"
DECISIONS = ("approve", "approve_with_conditions", "send_back", "reject")
AMOUNT_MAX = 9_223_372_036_854_775_807


class CaseAlreadyOpen(ApplicationError):
    """Another open case of the same system, kind and fiscal year exists (the DB constraint said so)."""

    code = "case_already_open"
    status_code = 409


# --- who ---------------------------------------------------------------------------------------------


def users_with_right(right: str, *, fiscal_year: int | None = None):
    """Active users whose role this fiscal year holds ``right`` (e.g. the reviewers to notify)."""
    fy = fiscal_year or fiscal_year_of(timezone.localdate())
    roles = perms.RIGHTS[right]
    return (
        get_user_model()
        .objects.filter(
            Q(is_active=True)
            & (Q(assignments__fiscal_year=fy, assignments__role__in=roles) | Q(is_superuser=True))
        )
        .distinct()
    )


def case_owners(case: ReviewCase):
    """Who answers for a case: its author and this year's system owners of its division."""
    fy = fiscal_year_of(timezone.localdate())
    return (
        get_user_model()
        .objects.filter(
            Q(is_active=True)
            & (
                Q(pk=case.created_by_id)
                | Q(assignments__fiscal_year=fy, assignments__division_id=case.division_id)
            )
        )
        .distinct()
    )


def _require(user, action: str, obj) -> None:
    if not perms.can(user, action, obj):
        raise PermissionDeniedError()


def _require_right(user, right: str) -> None:
    if not perms.has_right(user, right):
        raise PermissionDeniedError()


def _clean(obj) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from exc


# --- cases -------------------------------------------------------------------------------------------


def case_create(
    *,
    user,
    kind: str,
    fiscal_year: int,
    system: System | None = None,
    planned_system_name: str = "",
    division=None,
    title: str = "",
    summary: str = "",
    requested: Mapping[str, int] | None = None,
    reason: str = "",
    **fields: Any,
) -> ReviewCase:
    """Open a case (下書き). A planned system (企画中) needs a name and a division; a ledger system gives
    both. A P case lists the system's open proposals for the reviewer to check (carry-over)."""
    if kind not in CaseKind.values:
        raise ValidationFailed(
            _("種別を選択してください。"), fields={"kind": [_("種別を選択してください。")]}
        )
    if system is None and not planned_system_name.strip():
        raise ValidationFailed(
            _("システムを選択するか、企画中のシステム名を入力してください。"),
            fields={"system": [_("システムを選択するか、企画中のシステム名を入力してください。")]},
        )
    if system is not None:
        division = system.owning_division
    elif division is None:
        division = user.current_division
    if division is None:
        raise ValidationFailed(
            _("所管所属を選択してください。"), fields={"division": [_("所管所属を選択してください。")]}
        )
    if not perms.can_create(user, ReviewCase, {"division": division}):
        raise PermissionDeniedError(_("自所属以外のシステムの審査案件は作成できません。"))
    if not title.strip():
        title = str(CaseKind(kind).label)
    case = ReviewCase(
        kind=kind,
        fiscal_year=fiscal_year,
        system=system,
        planned_system_name=planned_system_name.strip() if system is None else "",
        division=division,
        title=title.strip(),
        summary=summary,
        created_by=user if getattr(user, "pk", None) else None,
        **fields,
    )
    _clean_case(case)
    try:
        with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
            case.save()
            if requested and kind in AMOUNT_KINDS:
                _lines_write(case, {c: (a, None, None) for c, a in requested.items()})
            if kind == CaseKind.PRE_BUDGET and system is not None:
                _carry_over_proposals(case)
            case_totals_refresh(case)
    except IntegrityError as exc:
        raise CaseAlreadyOpen(_("このシステム・種別・年度の審査案件はすでに進行中です。")) from exc
    return case


def _clean_case(case: ReviewCase) -> None:
    from django.core.exceptions import ValidationError

    try:
        case.full_clean(validate_constraints=False)  # the open-case index answers under concurrency
    except ValidationError as exc:
        raise ValidationFailed(
            _("審査案件を保存できませんでした。入力内容を確認してください。"),
            fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()},
        ) from exc
    if not FY_MIN <= case.fiscal_year <= FY_MAX:
        raise ValidationFailed(fields={"fiscal_year": [_("年度が正しくありません。")]})


EDITABLE_BY_OWNER = (CaseState.DRAFT, CaseState.RETURNED)


def _may_edit_request(user, case: ReviewCase) -> bool:
    """The owner edits the request while it is theirs (下書き / 差戻し); reviewers while it is open."""
    if not perms.can(user, perms.CHANGE, case):
        return False
    if case.state in EDITABLE_BY_OWNER:
        return True
    return perms.has_right(user, perms.REVIEW_DECIDE) and case.state in OPEN_STATES


def case_update(*, user, case: ReviewCase, values: Mapping[str, Any], reason: str = "") -> ReviewCase:
    """Edit the request fields (title, summary, planned contract …) of an open case."""
    if not _may_edit_request(user, case):
        raise PermissionDeniedError(_("現在の状態ではこの案件を編集できません。"))
    allowed = {
        "title",
        "summary",
        "procurement_method",
        "planned_contract_title",
        "planned_vendor",
        "planned_start",
        "planned_end",
        "planned_system_name",
        "contract",
    }
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        for name, value in values.items():
            if name in allowed:
                setattr(case, name, value)
        _clean_case(case)
        case.save()
    return case


def case_requested_set(
    *, user, case: ReviewCase, requested: Mapping[str, int | None], reason: str = ""
) -> ReviewCase:
    """The owner's requested amount per cost category (None/blank removes the category)."""
    if not case.has_amounts:
        raise ValidationFailed(_("この種別の審査には金額がありません。"))
    if not _may_edit_request(user, case):
        raise PermissionDeniedError(_("現在の状態では要求額を変更できません。"))
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        _lines_write(case, {c: (a, None, None) for c, a in requested.items()}, delete_blank=True)
        case_totals_refresh(case)
    return case


def case_assess(
    *,
    user,
    case: ReviewCase,
    assessed: Mapping[str, int | None],
    notes: Mapping[str, str] | None = None,
    findings: str | None = None,
    reason: str = "",
) -> ReviewCase:
    """The reviewer's assessed amount per category (and findings) while the case is under review."""
    _require_right(user, perms.REVIEW_DECIDE)
    if case.state not in (CaseState.UNDER_REVIEW, CaseState.ADVISOR):
        raise workflow.TransitionNotAllowed(_("査定額は審査中に入力します。"))
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        existing = {line.category: line for line in case.lines.all()}
        errors: dict[str, list[str]] = {}
        for category, amount in assessed.items():
            line = existing.get(category)
            if line is None:
                errors[f"a_{category}"] = [_("要求のない経費区分です。")]
                continue
            _check_amount(amount, f"a_{category}", errors)
            if errors.get(f"a_{category}"):
                continue
            note = (notes or {}).get(category, line.note)
            if line.assessed_amount != amount or line.note != note:
                line.assessed_amount = amount
                line.note = note or ""
                _clean(line)
                line.save()
        if errors:
            raise ValidationFailed(
                _("査定額を保存できませんでした。赤枠の欄を確認してください。"), fields=errors
            )
        if findings is not None and findings != case.findings:
            case.findings = findings
            case.save()
        case_totals_refresh(case)
    return case


def _check_amount(amount, key: str, errors: dict) -> None:
    if amount is None:
        return
    if not isinstance(amount, int) or amount < 0:
        errors[key] = [_("金額は0以上の整数（円）で入力してください。")]
    elif amount > AMOUNT_MAX:
        errors[key] = [_("金額が大きすぎます。")]


def _lines_write(case: ReviewCase, values: Mapping[str, tuple], *, delete_blank: bool = False) -> None:
    errors: dict[str, list[str]] = {}
    existing = {line.category: line for line in case.lines.all()}
    for category, (requested, _assessed, _note) in values.items():
        if category not in CostCategory.values:
            raise ValidationFailed(_("経費区分が正しくありません。"))
        _check_amount(requested, f"r_{category}", errors)
    if errors:
        raise ValidationFailed(_("要求額を保存できませんでした。赤枠の欄を確認してください。"), fields=errors)
    for category, (requested, _assessed, _note) in values.items():
        line = existing.get(category)
        if requested is None:
            if line is not None and delete_blank:
                line.delete()
            continue
        if line is None:
            CaseLine.objects.create(case=case, category=category, requested_amount=requested)
        elif line.requested_amount != requested:
            line.requested_amount = requested
            line.save()


def case_totals_refresh(case: ReviewCase) -> ReviewCase:
    """Recompute the case's 要求額 / 査定額 / 削減額 from its lines — the only writer of those columns."""
    agg = case.lines.aggregate(
        requested=Sum("requested_amount"),
        assessed=Sum("assessed_amount"),
        assessed_requested=Sum("requested_amount", filter=Q(assessed_amount__isnull=False)),
    )
    requested = agg["requested"] or 0
    assessed = agg["assessed"]
    reduction = (agg["assessed_requested"] or 0) - (assessed or 0) if assessed is not None else 0
    if (case.requested_total, case.assessed_total, case.reduction_total) != (requested, assessed, reduction):
        case.requested_total, case.assessed_total, case.reduction_total = requested, assessed, reduction
        case.save()
    return case


def _carry_over_proposals(case: ReviewCase) -> None:
    """Open proposals of the system appear on its P case for the reviewer to check (Mie: 改善結果を
    予算要求前審査で確認)."""
    for proposal in Proposal.objects.filter(system=case.system, status__in=OPEN_PROPOSAL_STATUSES):
        ProposalCheck.objects.get_or_create(case=case, proposal=proposal)


def case_transition(
    *, user, case: ReviewCase, name: str, comment: str = "", expected_version: int | None = None
) -> ReviewCase:
    """Run a transition and what it means: a decision row for 承認/条件付承認/差戻し/不承認, an opinion
    request for 意見照会, the inbox for the people whose turn it now is. Illegal: 409, nothing changed."""
    comment = (comment or "").strip()
    with transaction.atomic():
        try:
            case = workflow.transition_run(
                obj=case, name=name, user=user, comment=comment, expected_version=expected_version
            )
        except IntegrityError as exc:  # resubmitting beside another open case of the same year
            raise CaseAlreadyOpen(_("このシステム・種別・年度の審査案件はすでに進行中です。")) from exc
        with change_context(user=user, reason=comment), change_batch():
            if name in DECISIONS:
                ReviewDecision.objects.create(
                    case=case,
                    outcome=case.state,
                    comment=comment,
                    decided_by=user,
                    decided_by_name=str(user) if user else "",
                    decided_at=case.decided_at or timezone.now(),
                    requested_total=case.requested_total,
                    assessed_total=case.assessed_total,
                    reduction_total=case.reduction_total,
                )
            if name == "request_opinion":
                _opinion_create(user=user, case=case, question=comment)
        if name == "submit":
            notify(
                users_with_right(perms.REVIEW_DECIDE),
                NOTIFY_SUBMITTED,
                case,
                _("審査案件「%(case)s」が提出されました。") % {"case": case},
            )
        elif name == "send_back":
            notify(
                case_owners(case),
                NOTIFY_RETURNED,
                case,
                _("審査案件「%(case)s」が差し戻されました。理由: %(comment)s")
                % {"case": case, "comment": comment},
            )
        elif name in DECISIONS:
            notify(
                case_owners(case),
                NOTIFY_DECIDED,
                case,
                _("審査案件「%(case)s」は「%(state)s」と決定されました。")
                % {"case": case, "state": case.get_state_display()},
            )
    return case


def _opinion_create(*, user, case: ReviewCase, question: str, advisor=None) -> AdvisorOpinion:
    opinion = AdvisorOpinion(
        case=case,
        question=question,
        requested_by=user,
        requested_at=timezone.now(),
        due_date=due_in(step_days("opinion_days")),
        advisor=advisor,
    )
    _clean(opinion)
    opinion.save()
    recipients = [advisor] if advisor is not None else users_with_right(perms.ADVISOR_OPINION)
    notify(
        recipients,
        NOTIFY_OPINION_REQUESTED,
        opinion,
        _("審査案件「%(case)s」について意見照会がありました。") % {"case": case},
    )
    return opinion


def opinion_write(
    *, user, opinion: AdvisorOpinion, text: str, end_consultation: bool = True
) -> AdvisorOpinion:
    """The CIO advisor writes the opinion; the reviewers and the owners are told. When no other
    opinion of the case is outstanding, the case goes back to 審査中."""
    _require_right(user, perms.ADVISOR_OPINION)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("意見を入力してください。"), fields={"opinion": [_("意見を入力してください。")]}
        )
    with transaction.atomic(), change_context(user=user), change_batch():
        opinion = AdvisorOpinion.objects.select_for_update().get(pk=opinion.pk)
        opinion.opinion = text
        opinion.opinion_date = timezone.localdate()
        opinion.advisor = user
        opinion.save()
    case = opinion.case
    if end_consultation and case.state == CaseState.ADVISOR and not case.opinions.filter(opinion="").exists():
        case_transition(
            user=user, case=case, name="end_consultation", comment=_("CIO補佐官の意見が届きました。")
        )
    notify(
        [opinion.requested_by, *case_owners(case)],
        NOTIFY_OPINION_WRITTEN,
        opinion,
        _("審査案件「%(case)s」にCIO補佐官の意見が記入されました。") % {"case": case},
    )
    return opinion


def opinion_respond(*, user, opinion: AdvisorOpinion, text: str) -> AdvisorOpinion:
    """The owning division's response to the advisor's opinion (所管課の対応)."""
    _require(user, perms.CHANGE, opinion.case)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            _("対応を入力してください。"), fields={"owner_response": [_("対応を入力してください。")]}
        )
    with transaction.atomic(), change_context(user=user), change_batch():
        opinion = AdvisorOpinion.objects.select_for_update().get(pk=opinion.pk)
        if not opinion.answered:
            raise ValidationFailed(_("意見が記入されてから対応を入力してください。"))
        opinion.owner_response = text
        opinion.responded_at = timezone.now()
        opinion.save()
    return opinion


def quotes_set(*, user, case: ReviewCase, quotes: Iterable[tuple[str, str, int | None]]) -> int:
    """Replace the RFI / 見積比較 table of a D case: (vendor, category, amount) rows."""
    if case.kind != CaseKind.PRE_CONTRACT:
        raise ValidationFailed(_("見積比較は契約前審査（D）の案件で入力します。"))
    if not _may_edit_request(user, case):
        raise PermissionDeniedError(_("現在の状態では見積比較を変更できません。"))
    rows = [(v.strip(), c, a) for v, c, a in quotes if v and v.strip() and a is not None]
    with transaction.atomic(), change_context(user=user), change_batch():
        case.quotes.all().delete()
        for vendor, category, amount in rows:
            quote = VendorQuote(case=case, vendor_name=vendor, category=category, amount=amount)
            _clean(quote)
            quote.save()
    return len(rows)


def attachment_add(*, user, case: ReviewCase, upload, kind: str) -> CaseAttachment:
    """Attach 見積書 / 仕様書 to a case (the karte's allowlist of file types)."""
    _require(user, perms.CHANGE, case)
    errors = attachment_errors(upload)
    if errors:
        raise ValidationFailed(errors[0], fields={"file": errors})
    name = attachment_name_normalise(upload.name)
    upload.name = name
    with transaction.atomic(), change_context(user=user), change_batch():
        att = CaseAttachment(case=case, kind=kind, file=upload, name=name, size=upload.size)
        _clean(att)
        att.save()
    return att


def case_budget_apply(*, user, case: ReviewCase) -> dict[str, int]:
    """Write an approved P case's assessed amounts into the ledger's 予算額 (one action, reason
    「予算要求前審査の結果」), through the ledger's own cost grid service (its guards included)."""
    from saiteki.ledger.services import cost_grid_save

    if case.kind != CaseKind.PRE_BUDGET or case.state not in APPROVED_STATES or case.system_id is None:
        raise workflow.TransitionNotAllowed(
            _("承認済みの予算要求前審査（台帳のシステム）だけが予算額に反映できます。")
        )
    cells = {
        (case.fiscal_year, line.category): line.assessed_amount
        for line in case.lines.all()
        if line.assessed_amount is not None
    }
    assert case.system is not None
    with transaction.atomic():
        counts = cost_grid_save(
            user=user, system=case.system, stage=CostStage.BUDGET, cells=cells, reason=BUDGET_APPLY_REASON
        )
        with change_context(user=user, reason=BUDGET_APPLY_REASON), change_batch():
            case.budget_applied_at = timezone.now()
            case.save()
    return counts


def case_link_system(*, user, case: ReviewCase, system: System) -> ReviewCase:
    """A planned system (企画中) entered the ledger: link its cases to it."""
    _require(user, perms.CHANGE, case)
    _require(user, perms.CHANGE, system)
    try:
        with transaction.atomic(), change_context(user=user), change_batch():
            case.system = system
            case.division = system.owning_division
            case.save()
    except IntegrityError as exc:
        raise CaseAlreadyOpen(_("このシステム・種別・年度の審査案件はすでに進行中です。")) from exc
    return case


# --- the gate ----------------------------------------------------------------------------------------


def gate_setting_save(
    *,
    user,
    enabled: bool,
    first_fiscal_year: int,
    review_days: int = 10,
    response_days: int = 10,
    opinion_days: int = 5,
) -> GateSetting:
    _require_right(user, perms.REVIEW_DECIDE)
    with transaction.atomic(), change_context(user=user), change_batch():
        setting = GateSetting.objects.select_for_update().order_by("pk").first() or GateSetting(
            first_fiscal_year=first_fiscal_year
        )
        setting.enabled = enabled
        setting.first_fiscal_year = first_fiscal_year
        setting.review_days = review_days
        setting.response_days = response_days
        setting.opinion_days = opinion_days
        _clean(setting)
        setting.save()
    return setting


def gate_exception_create(*, user, system: System, fiscal_year: int, gate: str, reason: str) -> GateException:
    """An admin opens the gate for one system, year and gate, with a reason (shown on the karte and in
    the year's report)."""
    _require_right(user, perms.REVIEW_DECIDE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("例外とする理由を入力してください。"),
            fields={"reason": [_("例外とする理由を入力してください。")]},
        )
    if gate not in GateKind.values:
        raise ValidationFailed(fields={"gate": [_("対象を選択してください。")]})
    try:
        with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
            exc = GateException(
                system=system,
                fiscal_year=fiscal_year,
                gate=gate,
                reason=reason,
                granted_by=user,
                granted_by_name=str(user),
            )
            _clean(exc)
            exc.save()
    except IntegrityError as err:
        raise ValidationFailed(_("同じシステム・年度・対象の例外はすでに登録されています。")) from err
    return exc


# --- evaluations and proposals -----------------------------------------------------------------------


def evaluation_save(
    *,
    user,
    case: ReviewCase,
    scores: Mapping[int, tuple[int, str]],
    disposition: str,
    summary: str = "",
) -> Evaluation:
    """Score a C case on the rubric; the weighted score (1–5) is computed."""
    _require_right(user, perms.REVIEW_DECIDE)
    if case.kind != CaseKind.EVALUATION:
        raise ValidationFailed(_("システム評価（C）の案件で入力します。"))
    if disposition and disposition not in Disposition.values:
        raise ValidationFailed(fields={"disposition": [_("評価結果を選択してください。")]})
    criteria = {c.pk: c for c in RubricCriterion.objects.filter(active=True)}
    errors = {
        f"s_{pk}": [_("1〜5で入力してください。")]
        for pk, (s, _n) in scores.items()
        if s is not None and not 1 <= s <= 5
    }
    if errors:
        raise ValidationFailed(_("評価点を保存できませんでした。"), fields=errors)
    with transaction.atomic(), change_context(user=user), change_batch():
        evaluation, _created = Evaluation.objects.get_or_create(case=case)
        for pk, (score, note) in scores.items():
            if pk not in criteria:
                continue
            if score is None:
                EvaluationScore.objects.filter(evaluation=evaluation, criterion_id=pk).delete()
                continue
            row = EvaluationScore.objects.filter(evaluation=evaluation, criterion_id=pk).first()
            if row is None:
                EvaluationScore.objects.create(
                    evaluation=evaluation, criterion=criteria[pk], score=score, note=note or ""
                )
            elif (row.score, row.note) != (score, note or ""):
                row.score, row.note = score, note or ""
                row.save()
        evaluation.disposition = disposition or ""
        evaluation.summary = summary or ""
        evaluation.score = evaluation_score(evaluation)
        evaluation.save()
    return evaluation


#: The default rubric (also created by migration 0002): name, basis, weight, guidance for 1–5.
DEFAULT_RUBRIC = (
    (
        "類似システムとの経費比較",
        "cost_peers",
        3,
        "5: 類似システムの中央値より2割以上安い／3: 中央値程度／1: 中央値の1.5倍以上",
    ),
    (
        "サーバの利用率",
        "utilisation",
        2,
        "5: CPU・メモリの平均利用率が適正（30〜70%）／3: 低いが集約予定あり／1: 10%未満で集約予定なし",
    ),
    (
        "共通基盤の利用",
        "common_platform",
        2,
        "5: 共通基盤・クラウド・統合認証を利用／3: 一部利用／1: 単独の物理サーバで利用予定なし",
    ),
    (
        "セキュリティ",
        "security",
        2,
        "5: ポリシーに沿い監査指摘なし／3: 軽微な指摘あり／1: 重大な指摘が未対応",
    ),
    (
        "BCP・バックアップ",
        "bcp",
        2,
        "5: 基準どおりのバックアップと訓練実施／3: 一部未達／1: バックアップの基準未達",
    ),
    ("利用者満足度", "satisfaction", 1, "5: 満足度調査で80%以上が満足／3: 50〜80%／1: 50%未満または未調査"),
)


def rubric_defaults_ensure() -> int:
    """Create the default rubric criteria that are missing (a fresh or flushed database); returns how
    many were created. Existing criteria (possibly edited by admins) are left as they are."""
    created = 0
    for order, (name, basis, weight, guidance) in enumerate(DEFAULT_RUBRIC, start=1):
        _obj, new = RubricCriterion.objects.get_or_create(
            name=name, defaults={"basis": basis, "weight": weight, "guidance": guidance, "order": order * 10}
        )
        created += new
    return created


def evaluation_score(evaluation: Evaluation) -> Decimal | None:
    """Weighted mean of the scores (weights of the rubric), two decimals; None without scores."""
    rows = list(evaluation.scores.select_related("criterion"))
    weight = sum(r.criterion.weight for r in rows)
    if not weight:
        return None
    total = Decimal(sum(r.score * r.criterion.weight for r in rows)) / Decimal(weight)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def proposal_create(
    *,
    user,
    system: System,
    title: str,
    due_fiscal_year: int,
    detail: str = "",
    expected_saving: int = 0,
    source_case: ReviewCase | None = None,
    responsible=None,
    status: str = ProposalStatus.TODO,
) -> Proposal:
    """An improvement proposal (A), written by the IT policy division."""
    _require_right(user, perms.REVIEW_DECIDE)
    with transaction.atomic(), change_context(user=user), change_batch():
        proposal = Proposal(
            system=system,
            title=(title or "").strip(),
            detail=detail,
            due_fiscal_year=due_fiscal_year,
            expected_saving=expected_saving or 0,
            source_case=source_case,
            responsible=responsible,
            status=status,
        )
        _clean(proposal)
        proposal.save()
    return proposal


def proposal_update(
    *, user, proposal: Proposal, status: str, evidence: str = "", reason: str = ""
) -> Proposal:
    """The owner (or the IT policy division) reports progress: status and evidence."""
    _require(user, perms.CHANGE, proposal)
    if status not in ProposalStatus.values:
        raise ValidationFailed(fields={"status": [_("状況を選択してください。")]})
    if status == ProposalStatus.DONE and not (evidence or "").strip():
        raise ValidationFailed(
            _("完了にするには対応の根拠を入力してください。"),
            fields={"evidence": [_("対応の根拠を入力してください。")]},
        )
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        proposal.status = status
        proposal.evidence = evidence or ""
        _clean(proposal)
        proposal.save()
    return proposal


def proposal_check_record(
    *, user, check: ProposalCheck, addressed: bool | None, note: str = ""
) -> ProposalCheck:
    """The reviewer records on the P case whether an open proposal was addressed."""
    _require_right(user, perms.REVIEW_DECIDE)
    with transaction.atomic(), change_context(user=user), change_batch():
        check.addressed = addressed
        check.note = note or ""
        check.save()
    return check


def proposals_from_journal(*, user, fiscal_year: int | None = None) -> int:
    """Adopt the karte's 提案 entries on systems (e.g. adopted consolidation plans) as proposals."""
    from django.contrib.contenttypes.models import ContentType

    _require_right(user, perms.REVIEW_DECIDE)
    fy = fiscal_year or fiscal_year_of(timezone.localdate())
    ct = ContentType.objects.get_for_model(System)
    taken = Proposal.objects.filter(source_journal__isnull=False).values_list("source_journal_id", flat=True)
    entries = JournalEntry.objects.filter(content_type=ct, kind=JournalEntry.Kind.PROPOSAL).exclude(
        pk__in=taken
    )
    systems = System.objects.in_bulk({e.object_id for e in entries})
    created = 0
    with transaction.atomic(), change_context(user=user, reason=_("カルテの提案から登録")), change_batch():
        for entry in entries:
            system = systems.get(entry.object_id)
            if system is None:
                continue
            Proposal.objects.create(
                system=system,
                source_journal=entry,
                title=entry.title[:200],
                detail=entry.body,
                due_fiscal_year=fy + 1,
            )
            created += 1
    return created


def plan_generate(*, user, fiscal_year: int, every_years: int = 5, limit: int | None = None) -> int:
    """The year's evaluation plan: systems not evaluated for ``every_years`` years, those whose cost
    changed most first (so every system is evaluated at least once in N years)."""
    from . import selectors

    _require_right(user, perms.REVIEW_DECIDE)
    rows = selectors.plan_candidates(fiscal_year=fiscal_year, every_years=every_years)
    if limit is not None:
        rows = rows[:limit]
    existing = set(
        EvaluationPlanItem.objects.filter(fiscal_year=fiscal_year).values_list("system_id", flat=True)
    )
    with transaction.atomic(), change_context(user=user), change_batch():
        new = [
            EvaluationPlanItem(fiscal_year=fiscal_year, system_id=r["system_id"], reason=r["reason"][:200])
            for r in rows
            if r["system_id"] not in existing
        ]
        for item in new:
            item.save()
    return len(new)


# --- reminders ---------------------------------------------------------------------------------------


def reminders_send(*, today=None) -> dict[str, int]:
    """Remind whoever holds an overdue case or opinion, at most once a day (the scheduled job)."""
    today = today or timezone.localdate()
    sent = {"cases": 0, "opinions": 0}
    reviewers = list(users_with_right(perms.REVIEW_DECIDE))
    advisors = list(users_with_right(perms.ADVISOR_OPINION))
    overdue = ReviewCase.objects.filter(state__in=OPEN_STATES, due_date__lt=today).exclude(reminded_on=today)
    for case in overdue.select_related("system", "division"):
        recipients = reviewers if case.state in REVIEWER_STATES else list(case_owners(case))
        with transaction.atomic():
            notify(
                recipients,
                NOTIFY_OVERDUE,
                case,
                _("審査案件「%(case)s」の期限（%(due)s）を過ぎています。")
                % {"case": case, "due": case.due_date},
            )
            ReviewCase.objects.filter(pk=case.pk).update(reminded_on=today)
        sent["cases"] += 1
    for opinion in AdvisorOpinion.objects.filter(opinion="", due_date__lt=today).exclude(reminded_on=today):
        with transaction.atomic():
            notify(
                [opinion.advisor] if opinion.advisor_id else advisors,
                NOTIFY_OVERDUE,
                opinion,
                _("意見照会「%(case)s」の回答期限（%(due)s）を過ぎています。")
                % {"case": opinion.case, "due": opinion.due_date},
            )
            AdvisorOpinion.objects.filter(pk=opinion.pk).update(reminded_on=today)
        sent["opinions"] += 1
    return sent
