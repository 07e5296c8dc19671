"""A case's request and assessment: opening it, the request fields, the amounts per cost category
(and the derived totals), the RFI quote table, attachments, writing an approved P case into the
ledger's 予算額, and linking a planned system once it is in the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.attachments import attachment_errors, attachment_name_normalise
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, PermissionDeniedError, ValidationFailed, full_clean_or_fail
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import System
from saiteki.reviews.choices import AMOUNT_KINDS, APPROVED_STATES, OPEN_STATES, CaseKind, CaseState
from saiteki.reviews.models import FY_MAX, FY_MIN, CaseAttachment, CaseLine, ReviewCase, VendorQuote

from .common import CaseAlreadyOpen, require, require_right
from .proposals import carry_over_proposals

#: The change reason of 予算額 written from an approved P case (SPEC C4).
BUDGET_APPLY_REASON = "予算要求前審査の結果"
AMOUNT_MAX = 9_223_372_036_854_775_807


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
                carry_over_proposals(case)
            case_totals_refresh(case)
    except IntegrityError as exc:
        raise CaseAlreadyOpen(_("このシステム・種別・年度の審査案件はすでに進行中です。")) from exc
    return case


def _clean_case(case: ReviewCase) -> None:

    full_clean_or_fail(
        case,
        _("審査案件を保存できませんでした。入力内容を確認してください。"),
        validate_constraints=False,  # the open-case index answers under concurrency
    )
    if not FY_MIN <= case.fiscal_year <= FY_MAX:
        raise ValidationFailed(fields={"fiscal_year": [_("年度が正しくありません。")]})


EDITABLE_BY_OWNER = (CaseState.DRAFT, CaseState.RETURNED)


def may_edit_request(user, case: ReviewCase) -> bool:
    """The owner edits the request while it is theirs (下書き / 差戻し); reviewers while it is open."""
    if not perms.can(user, perms.CHANGE, case):
        return False
    if case.state in EDITABLE_BY_OWNER:
        return True
    return perms.has_right(user, perms.REVIEW_DECIDE) and case.state in OPEN_STATES


def case_update(
    *,
    user,
    case: ReviewCase,
    values: Mapping[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> ReviewCase:
    """Edit the request fields (title, summary, planned contract …) of an open case.

    ``expected_version`` is the version the edit form was read at: someone else's save since then is a
    conflict, never silently overwritten."""
    if not may_edit_request(user, case):
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
        current = ReviewCase.objects.select_for_update().filter(pk=case.pk).values_list("version", flat=True)
        if expected_version is not None and current.first() != expected_version:
            raise ConflictError()
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
    if not may_edit_request(user, case):
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
    require_right(user, perms.REVIEW_DECIDE)
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
                full_clean_or_fail(line)
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


def quotes_set(*, user, case: ReviewCase, quotes: Iterable[tuple[str, str, int | None]]) -> int:
    """Replace the RFI / 見積比較 table of a D case: (vendor, category, amount) rows."""
    if case.kind != CaseKind.PRE_CONTRACT:
        raise ValidationFailed(_("見積比較は契約前審査（D）の案件で入力します。"))
    if not may_edit_request(user, case):
        raise PermissionDeniedError(_("現在の状態では見積比較を変更できません。"))
    rows = [(v.strip(), c, a) for v, c, a in quotes if v and v.strip() and a is not None]
    with transaction.atomic(), change_context(user=user), change_batch():
        case.quotes.all().delete()
        for vendor, category, amount in rows:
            quote = VendorQuote(case=case, vendor_name=vendor, category=category, amount=amount)
            full_clean_or_fail(quote)
            quote.save()
    return len(rows)


def attachment_add(*, user, case: ReviewCase, upload, kind: str) -> CaseAttachment:
    """Attach 見積書 / 仕様書 to a case (the karte's allowlist of file types)."""
    require(user, perms.CHANGE, case)
    errors = attachment_errors(upload)
    if errors:
        raise ValidationFailed(errors[0], fields={"file": errors})
    name = attachment_name_normalise(upload.name)
    upload.name = name
    with transaction.atomic(), change_context(user=user), change_batch():
        att = CaseAttachment(case=case, kind=kind, file=upload, name=name, size=upload.size)
        full_clean_or_fail(att)
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
    require(user, perms.CHANGE, case)
    require(user, perms.CHANGE, system)
    try:
        with transaction.atomic(), change_context(user=user), change_batch():
            case.system = system
            case.division = system.owning_division
            case.save()
    except IntegrityError as exc:
        raise CaseAlreadyOpen(_("このシステム・種別・年度の審査案件はすでに進行中です。")) from exc
    return case
