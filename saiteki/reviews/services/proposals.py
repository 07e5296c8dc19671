"""Improvement proposals (A): writing and following them up, checking them on the system's next P
case, and adopting the karte's 提案 entries (e.g. adopted consolidation plans) as proposals."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ValidationFailed, full_clean_or_fail
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.models import JournalEntry
from saiteki.ledger.models import System
from saiteki.reviews.choices import OPEN_PROPOSAL_STATUSES, ProposalStatus
from saiteki.reviews.models import Proposal, ProposalCheck, ReviewCase

from .common import require, require_right


def carry_over_proposals(case: ReviewCase) -> None:
    """Open proposals of the system appear on its P case for the reviewer to check (Mie: 改善結果を
    予算要求前審査で確認)."""
    for proposal in Proposal.objects.filter(system=case.system, status__in=OPEN_PROPOSAL_STATUSES):
        ProposalCheck.objects.get_or_create(case=case, proposal=proposal)


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
    require_right(user, perms.REVIEW_DECIDE)
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
        full_clean_or_fail(proposal)
        proposal.save()
    return proposal


def proposal_update(
    *, user, proposal: Proposal, status: str, evidence: str = "", reason: str = ""
) -> Proposal:
    """The owner (or the IT policy division) reports progress: status and evidence."""
    require(user, perms.CHANGE, proposal)
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
        full_clean_or_fail(proposal)
        proposal.save()
    return proposal


def proposal_check_record(
    *, user, check: ProposalCheck, addressed: bool | None, note: str = ""
) -> ProposalCheck:
    """The reviewer records on the P case whether an open proposal was addressed."""
    require_right(user, perms.REVIEW_DECIDE)
    with transaction.atomic(), change_context(user=user), change_batch():
        check.addressed = addressed
        check.note = note or ""
        check.save()
    return check


def proposals_from_journal(*, user, fiscal_year: int | None = None) -> int:
    """Adopt the karte's 提案 entries on systems (e.g. adopted consolidation plans) as proposals."""
    from django.contrib.contenttypes.models import ContentType

    require_right(user, perms.REVIEW_DECIDE)
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
