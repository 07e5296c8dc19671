"""A case's way through the workflow and who is told: transitions (with the decision record and
the opinion request they mean), the CIO advisor's opinions and the owner's response, and the daily
reminders of overdue cases and opinions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ValidationFailed, full_clean_or_fail
from saiteki.core.notifications import notify
from saiteki.reviews.choices import (
    NOTIFY_DECIDED,
    NOTIFY_OPINION_REQUESTED,
    NOTIFY_OPINION_WRITTEN,
    NOTIFY_OVERDUE,
    NOTIFY_RETURNED,
    NOTIFY_SUBMITTED,
    OPEN_STATES,
    REVIEWER_STATES,
    CaseState,
)
from saiteki.reviews.models import AdvisorOpinion, ReviewCase, ReviewDecision, due_in, step_days

from .common import CaseAlreadyOpen, case_owners, require, require_right, users_with_right

DECISIONS = ("approve", "approve_with_conditions", "send_back", "reject")


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
    full_clean_or_fail(opinion)
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
    require_right(user, perms.ADVISOR_OPINION)
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
    require(user, perms.CHANGE, opinion.case)
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
