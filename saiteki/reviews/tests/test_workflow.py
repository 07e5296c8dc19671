"""The review workflow: every legal and illegal transition per role, the reduction arithmetic, the
open-case constraint, notifications, opinions and the carry-over of open proposals."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from saiteki.core.errors import PermissionDeniedError
from saiteki.core.models import Notification, ObjectChange
from saiteki.core.workflow import TransitionNotAllowed, TransitionNotPermitted
from saiteki.reviews import services
from saiteki.reviews.choices import (
    NOTIFY_DECIDED,
    NOTIFY_OPINION_REQUESTED,
    NOTIFY_OPINION_WRITTEN,
    NOTIFY_RETURNED,
    NOTIFY_SUBMITTED,
    CaseKind,
    CaseState,
    ProposalStatus,
)
from saiteki.reviews.models import ReviewCase, ReviewDecision
from saiteki.reviews.tests.conftest import FY

pytestmark = pytest.mark.django_db

REQUESTED = {"app_maintenance": 12_000_000, "hw_lease": 3_000_000, "design_dev": 5_000_000}


def _case(role_users, systems, state=CaseState.DRAFT, **kw):
    case = services.case_create(
        user=role_users["owner"],
        kind=CaseKind.PRE_BUDGET,
        fiscal_year=FY,
        system=systems["own"],
        requested=REQUESTED,
    )
    if state != CaseState.DRAFT:
        ReviewCase.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        for line in case.lines.all():
            line.assessed_amount = line.requested_amount
            line.save()
    return case


# (transition, source state) → roles that may run it. Everything else must be refused with 409.
LEGAL = {
    ("submit", CaseState.DRAFT): {"admin", "owner"},
    ("submit", CaseState.RETURNED): {"admin", "owner"},
    ("start_review", CaseState.SUBMITTED): {"admin"},
    ("request_opinion", CaseState.UNDER_REVIEW): {"admin"},
    ("end_consultation", CaseState.ADVISOR): {"admin", "advisor"},
    ("approve", CaseState.UNDER_REVIEW): {"admin"},
    ("approve", CaseState.ADVISOR): {"admin"},
    ("approve_with_conditions", CaseState.UNDER_REVIEW): {"admin"},
    ("approve_with_conditions", CaseState.ADVISOR): {"admin"},
    ("send_back", CaseState.UNDER_REVIEW): {"admin"},
    ("send_back", CaseState.ADVISOR): {"admin"},
    ("reject", CaseState.UNDER_REVIEW): {"admin"},
    ("reject", CaseState.ADVISOR): {"admin"},
    **{
        ("withdraw", s): {"admin", "owner"}
        for s in (
            CaseState.DRAFT,
            CaseState.SUBMITTED,
            CaseState.UNDER_REVIEW,
            CaseState.ADVISOR,
            CaseState.RETURNED,
        )
    },
}
TRANSITIONS = sorted({t for t, _s in LEGAL})
ROLES = ["admin", "owner", "advisor", "viewer", "auditor"]


@pytest.mark.parametrize("state", list(CaseState.values))
@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_per_role(role_users, systems, state, name):
    allowed = LEGAL.get((name, state), set())
    case = _case(role_users, systems, state)
    before = (case.state, case.version)
    for role in [r for r in ROLES if r not in allowed]:  # refused: 409, nothing changed
        with pytest.raises(TransitionNotAllowed) as err:
            services.case_transition(user=role_users[role], case=case, name=name, comment="理由")
        assert err.value.status_code == 409
        fresh = ReviewCase.objects.get(pk=case.pk)
        assert (fresh.state, fresh.version) == before
        if (name, state) in LEGAL:
            assert isinstance(err.value, TransitionNotPermitted)
    for role in sorted(allowed):  # each allowed role on a fresh case in the same state
        ReviewCase.objects.filter(pk=case.pk).delete()
        case = _case(role_users, systems, state)
        services.case_transition(user=role_users[role], case=case, name=name, comment="理由")
        case.refresh_from_db()
        assert case.state != state or name == "submit"


def test_owner_of_another_division_cannot_submit(orgs, role_users, systems):
    case = services.case_create(
        user=role_users["admin"],
        kind=CaseKind.PRE_BUDGET,
        fiscal_year=FY,
        system=systems["other"],
        requested=REQUESTED,
    )
    with pytest.raises(TransitionNotPermitted):
        services.case_transition(user=role_users["owner"], case=case, name="submit")
    assert ReviewCase.objects.get(pk=case.pk).state == CaseState.DRAFT


def test_submit_needs_requested_amounts_and_decision_needs_assessed(role_users, systems):
    case = services.case_create(
        user=role_users["owner"], kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"]
    )
    with pytest.raises(TransitionNotAllowed, match="要求額を入力"):
        services.case_transition(user=role_users["owner"], case=case, name="submit")
    services.case_requested_set(user=role_users["owner"], case=case, requested={"app_maintenance": 100})
    case = services.case_transition(user=role_users["owner"], case=case, name="submit")
    case = services.case_transition(user=role_users["admin"], case=case, name="start_review")
    with pytest.raises(TransitionNotAllowed, match="査定額を入力"):
        services.case_transition(user=role_users["admin"], case=case, name="approve")


def test_send_back_and_reject_need_a_comment(role_users, systems):
    from saiteki.core.errors import ValidationFailed

    case = _case(role_users, systems, CaseState.UNDER_REVIEW)
    for name in ("send_back", "reject", "approve_with_conditions", "withdraw"):
        with pytest.raises(ValidationFailed):
            services.case_transition(user=role_users["admin"], case=case, name=name, comment="")


def test_reduction_is_computed_per_category_case_and_year(role_users, systems):
    admin, owner = role_users["admin"], role_users["owner"]
    case = services.case_create(
        user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"], requested=REQUESTED
    )
    assert (case.requested_total, case.assessed_total, case.reduction_total) == (20_000_000, None, 0)
    services.case_transition(user=owner, case=case, name="submit")
    services.case_transition(user=admin, case=case, name="start_review")
    services.case_assess(user=admin, case=case, assessed={"app_maintenance": 10_500_000})
    case.refresh_from_db()
    # Only the assessed line counts so far: 12,000,000 − 10,500,000.
    assert (case.assessed_total, case.reduction_total) == (10_500_000, 1_500_000)
    services.case_assess(user=admin, case=case, assessed={"hw_lease": 3_000_000, "design_dev": 3_800_000})
    case.refresh_from_db()
    lines = {line.category: line.reduction for line in case.lines.all()}
    assert lines == {"app_maintenance": 1_500_000, "hw_lease": 0, "design_dev": 1_200_000}
    assert (case.requested_total, case.assessed_total, case.reduction_total) == (
        20_000_000,
        17_300_000,
        2_700_000,
    )
    services.case_transition(user=admin, case=case, name="approve")
    decision = ReviewDecision.objects.get(case=case)
    assert (decision.outcome, decision.reduction_total, decision.decided_by) == ("approved", 2_700_000, admin)
    from saiteki.reviews import selectors

    totals = selectors.summary_totals(user=admin, fiscal_year=FY)
    assert totals["by_kind"]["P"].reduction == 2_700_000 and totals["overall"].requested == 20_000_000


def test_totals_cannot_be_typed(role_users, systems):
    assert not ReviewCase._meta.get_field("reduction_total").editable
    from saiteki.reviews.api.serializers import CaseWriteSerializer

    assert "reduction" not in CaseWriteSerializer().fields


def test_one_open_case_per_system_kind_and_year(role_users, systems):
    owner = role_users["owner"]
    services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
    with pytest.raises(services.CaseAlreadyOpen) as err:
        services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
    assert err.value.status_code == 409
    # Another kind or year is fine; and the database itself refuses a second open row.
    services.case_create(user=owner, kind=CaseKind.PRE_CONTRACT, fiscal_year=FY, system=systems["own"])
    services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY + 1, system=systems["own"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewCase.objects.create(
            kind="P",
            fiscal_year=FY,
            system=systems["own"],
            division=systems["own"].owning_division,
            title="x",
        )


def test_a_closed_case_does_not_block_a_new_one(role_users, systems):
    owner = role_users["owner"]
    case = services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
    services.case_transition(user=owner, case=case, name="withdraw", comment="誤登録")
    services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])


def test_history_and_karte_show_the_case(role_users, systems):
    from saiteki.ledger.selectors import karte_timeline

    case = _case(role_users, systems, CaseState.UNDER_REVIEW)
    services.case_transition(
        user=role_users["admin"], case=case, name="send_back", comment="見積の根拠を添付してください"
    )
    change = (
        ObjectChange.objects.filter(object_id=case.pk, content_type__model="reviewcase")
        .order_by("-id")
        .first()
    )
    assert change.reason == "見積の根拠を添付してください"
    kinds = {item.kind for item in karte_timeline(system=systems["own"])}
    assert {"reviewcase", "reviewdecision"} <= kinds


def test_notifications_go_to_whose_turn_it_is(role_users, systems, django_capture_on_commit_callbacks):
    admin, owner, advisor = role_users["admin"], role_users["owner"], role_users["advisor"]
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(
            user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"], requested=REQUESTED
        )
        case = services.case_transition(user=owner, case=case, name="submit")
        case = services.case_transition(user=admin, case=case, name="start_review")
        case = services.case_transition(
            user=admin, case=case, name="request_opinion", comment="経費の妥当性について"
        )
    assert Notification.objects.filter(recipient=admin, kind=NOTIFY_SUBMITTED).exists()
    assert Notification.objects.filter(recipient=advisor, kind=NOTIFY_OPINION_REQUESTED).exists()
    assert not Notification.objects.filter(recipient=owner, kind=NOTIFY_SUBMITTED).exists()
    opinion = case.opinions.get()
    assert opinion.question == "経費の妥当性について" and opinion.due_date is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.opinion_write(user=advisor, opinion=opinion, text="他県の同種システムと比較して妥当。")
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW  # the consultation ended with the last opinion
    assert Notification.objects.filter(recipient=owner, kind=NOTIFY_OPINION_WRITTEN).exists()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_transition(user=admin, case=case, name="send_back", comment="再見積を")
    assert Notification.objects.filter(recipient=owner, kind=NOTIFY_RETURNED).exists()
    assert case.due_date is not None  # the owner's due date to resubmit
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(user=owner, case=case, name="submit", comment="再見積を添付")
        services.case_transition(user=admin, case=case, name="start_review")
        services.case_assess(user=admin, case=case, assessed=dict(REQUESTED))
        services.case_transition(user=admin, case=case, name="approve")
    assert Notification.objects.filter(recipient=owner, kind=NOTIFY_DECIDED).exists()
    assert case.decisions.count() == 2  # 差戻し, then 承認


def test_only_advisors_write_opinions_and_only_owners_respond(role_users, systems):
    from saiteki.core.errors import PermissionDeniedError

    case = _case(role_users, systems, CaseState.UNDER_REVIEW)
    case = services.case_transition(
        user=role_users["admin"], case=case, name="request_opinion", comment="質問"
    )
    opinion = case.opinions.get()
    for role in ("admin", "owner", "viewer", "auditor"):
        with pytest.raises(PermissionDeniedError):
            services.opinion_write(user=role_users[role], opinion=opinion, text="意見")
    services.opinion_write(user=role_users["advisor"], opinion=opinion, text="意見")
    with pytest.raises(PermissionDeniedError):
        services.opinion_respond(user=role_users["advisor"], opinion=opinion, text="対応")
    services.opinion_respond(user=role_users["owner"], opinion=opinion, text="対応します")
    opinion.refresh_from_db()
    assert opinion.owner_response == "対応します" and opinion.advisor == role_users["advisor"]


def test_open_proposals_are_carried_over_to_the_next_p_case(role_users, systems):
    admin, owner = role_users["admin"], role_users["owner"]
    keep = services.proposal_create(
        user=admin, system=systems["own"], title="共通基盤へ移行", due_fiscal_year=FY
    )
    done = services.proposal_create(
        user=admin, system=systems["own"], title="保守の見直し", due_fiscal_year=FY
    )
    services.proposal_update(user=owner, proposal=done, status=ProposalStatus.DONE, evidence="契約を変更した")
    other = services.proposal_create(
        user=admin, system=systems["other"], title="別のシステム", due_fiscal_year=FY
    )
    case = services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
    assert [c.proposal for c in case.checks.all()] == [keep]
    check = case.checks.get()
    with pytest.raises(PermissionDeniedError):
        services.proposal_check_record(user=owner, check=check, addressed=True)
    services.proposal_check_record(user=admin, check=check, addressed=False, note="次年度に移行予定")
    check.refresh_from_db()
    assert check.addressed is False
    assert other.checks.count() == 0


def test_proposal_done_needs_evidence(role_users, systems):
    from saiteki.core.errors import ValidationFailed

    p = services.proposal_create(
        user=role_users["admin"], system=systems["own"], title="x", due_fiscal_year=FY
    )
    with pytest.raises(ValidationFailed):
        services.proposal_update(
            user=role_users["owner"], proposal=p, status=ProposalStatus.DONE, evidence=""
        )


def test_planned_system_case_links_when_it_enters_the_ledger(orgs, role_users, systems):
    owner = role_users["owner"]
    case = services.case_create(
        user=owner,
        kind=CaseKind.PRE_BUDGET,
        fiscal_year=FY,
        planned_system_name="電子申請基盤",
        requested=REQUESTED,
    )
    assert case.system is None and case.division == orgs["税務課"] and "企画中" in str(case)
    services.case_link_system(user=owner, case=case, system=systems["own"])
    assert ReviewCase.objects.get(pk=case.pk).system == systems["own"]


def test_evaluation_score_is_weighted(role_users, systems):
    from saiteki.reviews.models import RubricCriterion

    admin = role_users["admin"]
    case = services.case_create(
        user=role_users["owner"], kind=CaseKind.EVALUATION, fiscal_year=FY, system=systems["own"]
    )
    services.rubric_defaults_ensure()  # the migration's rows are gone after a flushing test
    criteria = list(RubricCriterion.objects.filter(active=True))
    assert len(criteria) == 6
    scores = {c.pk: (5 if c.weight == 3 else 3, "") for c in criteria}
    ev = services.evaluation_save(user=admin, case=case, scores=scores, disposition="improve", summary="改善")
    weight = sum(c.weight for c in criteria)
    expected = (sum((5 if c.weight == 3 else 3) * c.weight for c in criteria)) / weight
    assert float(ev.score) == pytest.approx(round(expected, 2))
    with pytest.raises(PermissionDeniedError):
        services.evaluation_save(user=role_users["owner"], case=case, scores=scores, disposition="improve")


def test_overdue_reminders_once_a_day(role_users, systems, django_capture_on_commit_callbacks):
    import datetime

    from saiteki.reviews.choices import NOTIFY_OVERDUE

    case = _case(role_users, systems, CaseState.SUBMITTED)
    ReviewCase.objects.filter(pk=case.pk).update(due_date=datetime.date(2000, 1, 4))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send()["cases"] == 1
        assert services.reminders_send()["cases"] == 0
    assert Notification.objects.filter(recipient=role_users["admin"], kind=NOTIFY_OVERDUE).count() == 1


def test_due_dates_count_business_days(role_users, systems):
    from django.utils import timezone

    from saiteki.core.business_days import business_days_between

    case = services.case_create(
        user=role_users["owner"],
        kind=CaseKind.PRE_BUDGET,
        fiscal_year=FY,
        system=systems["own"],
        requested=REQUESTED,
    )
    case = services.case_transition(user=role_users["owner"], case=case, name="submit")
    assert business_days_between(timezone.localdate(), case.due_date) == 10


def test_karte_proposals_become_proposals_once(role_users, systems):
    from saiteki.core.services import journal_entry_create
    from saiteki.reviews.models import Proposal

    journal_entry_create(
        obj=systems["own"],
        author=role_users["admin"],
        kind="proposal",
        date=__import__("datetime").date.today(),
        title="集約計画: 統合サーバへ移行",
        body="集約計画で採用",
    )
    assert services.proposals_from_journal(user=role_users["admin"]) == 1
    assert services.proposals_from_journal(user=role_users["admin"]) == 0
    assert Proposal.objects.get().title == "集約計画: 統合サーバへ移行"


def test_kpi_sources_and_schedule_are_registered(role_users, systems):
    from saiteki.core.registry import registry
    from saiteki.reviews.tests.helpers import approved_case

    assert "reviews.remind_overdue" in registry.schedules
    approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        requested={"other": 1000},
        assessed={"other": 700},
    )
    assert registry.kpi_sources["reviews.reductions"].compute(FY) == 300
    assert registry.kpi_sources["reviews.reductions"].compute(FY - 5) is None


def test_kpi_sources_give_the_counted_cases_and_systems(role_users, systems):
    """Drill-down: each reviews KPI lists exactly what it counted (hand-counted: two decided P cases
    cut 300 + 150; of two budgeted systems one went through an approved P; no evaluation yet)."""
    from saiteki.core.registry import registry
    from saiteki.ledger.tests.factories import make_cost
    from saiteki.reviews.tests.helpers import approved_case

    own = approved_case(
        owner=role_users["owner"],
        admin=role_users["admin"],
        system=systems["own"],
        fiscal_year=FY,
        requested={"other": 1000},
        assessed={"other": 700},
    )
    other = approved_case(
        owner=role_users["admin"],
        admin=role_users["admin"],
        system=systems["other"],
        fiscal_year=FY,
        requested={"other": 500},
        assessed={"other": 350},
    )
    services.case_create(
        user=role_users["owner"], kind="P", fiscal_year=FY + 1, system=systems["own"], requested={"other": 9}
    )  # a draft of another year counts nowhere
    e = registry.kpi_sources["reviews.reductions"].evidence(FY)
    assert e["value"] == 450
    assert [(r["id"], r["amount"]) for r in e["records"]] == [(other.pk, 150), (own.pk, 300)]  # by number
    assert e["figures"] == {"count": 2, "requested": 1500, "assessed": 1050, "reduction": 450}
    make_cost(systems["own"], fiscal_year=FY, category="other", amount=700, stage="budget")
    make_cost(systems["other"], fiscal_year=FY, category="other", amount=350, stage="budget")
    make_cost(systems["other"], fiscal_year=FY - 1, category="other", amount=1, stage="budget")
    # As if never approved: only the own system's budget was reviewed.
    ReviewCase.objects.filter(pk=other.pk).update(state=CaseState.WITHDRAWN)
    e = registry.kpi_sources["reviews.budget_reviewed_share"].evidence(FY)
    assert e["value"] == 50.0 and [r["id"] for r in e["records"]] == [systems["own"].pk]
    assert e["figures"] == {"numerator": 1, "denominator": 2}
    assert registry.kpi_sources["reviews.budget_reviewed_share"].evidence(FY - 1)["value"] == 0.0
    e = registry.kpi_sources["reviews.evaluations"].evidence(FY)
    assert e["value"] == 0 and e["records"] == []


def test_generic_transition_route_refuses_review_cases(client, role_users, orgs):
    """A crafted POST to core's generic transition route cannot skip the reviews services."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from saiteki.reviews.models import ReviewCase

    ct = ContentType.objects.get_for_model(ReviewCase)
    client.force_login(role_users["admin"])
    response = client.post(reverse("core:transition", args=[ct.pk, 1]), {"name": "approve"})
    assert response.status_code == 404
