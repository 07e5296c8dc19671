"""Kinds, states and dispositions of the review gates (SPEC C4). One place for every constant."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseKind(models.TextChoices):
    """Mie's PDCA cycle: the letters are the identifiers staff use (「P案件」)."""

    PRE_BUDGET = "P", _("予算要求前審査")
    PRE_CONTRACT = "D", _("契約前審査")
    EVALUATION = "C", _("システム評価")
    PROPOSAL = "A", _("構想化支援・提案")


#: Kinds that carry requested and assessed amounts per cost category.
AMOUNT_KINDS = (CaseKind.PRE_BUDGET, CaseKind.PRE_CONTRACT)


class CaseState(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出")
    UNDER_REVIEW = "under_review", _("審査中")
    ADVISOR = "advisor", _("CIO補佐官意見照会")
    APPROVED = "approved", _("承認")
    CONDITIONAL = "conditional", _("条件付承認")
    RETURNED = "returned", _("差戻し")
    REJECTED = "rejected", _("不承認")
    WITHDRAWN = "withdrawn", _("取下げ")


#: States in which a case is still open: at most one per system, kind and fiscal year (DB constraint).
OPEN_STATES = (
    CaseState.DRAFT,
    CaseState.SUBMITTED,
    CaseState.UNDER_REVIEW,
    CaseState.ADVISOR,
    CaseState.RETURNED,
)
#: States that pass the gate (承認 / 条件付承認).
APPROVED_STATES = (CaseState.APPROVED, CaseState.CONDITIONAL)
#: Decided states whose reduction (要求額 − 査定額) counts: approved, with conditions, or rejected.
REDUCTION_STATES = (CaseState.APPROVED, CaseState.CONDITIONAL, CaseState.REJECTED)
#: States in which the IT policy division holds the case (their due date runs).
REVIEWER_STATES = (CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.ADVISOR)


class Disposition(models.TextChoices):
    """The outcome of a system evaluation (C)."""

    CONTINUE = "continue", _("継続")
    IMPROVE = "improve", _("改善")
    INTEGRATE = "integrate", _("統合")
    CLOUD = "cloud", _("クラウド移行")
    RETIRE = "retire", _("廃止")


class ProposalStatus(models.TextChoices):
    TODO = "todo", _("未着手")
    DOING = "doing", _("対応中")
    DONE = "done", _("完了")
    DROPPED = "dropped", _("見送り")


#: Proposals still to be followed up on the system's next P case.
OPEN_PROPOSAL_STATUSES = (ProposalStatus.TODO, ProposalStatus.DOING)


class AttachmentKind(models.TextChoices):
    ESTIMATE = "estimate", _("見積書")
    SPECIFICATION = "specification", _("仕様書")
    OTHER = "other", _("その他")


class CriterionBasis(models.TextChoices):
    """What the rubric's evidence panel shows beside a criterion (the data the score is judged on)."""

    COST_PEERS = "cost_peers", _("類似システムとの経費比較")
    UTILISATION = "utilisation", _("サーバの利用率")
    COMMON_PLATFORM = "common_platform", _("共通基盤の利用")
    SECURITY = "security", _("セキュリティ")
    BCP = "bcp", _("BCP・バックアップ")
    SATISFACTION = "satisfaction", _("利用者満足度")
    OTHER = "other", _("その他")


class GateKind(models.TextChoices):
    """Which gate an exception opens: the budget (P) or the contract (D)."""

    BUDGET = "P", _("予算額の登録（予算要求前審査）")
    CONTRACT = "D", _("契約の登録（契約前審査）")


# Inbox kinds (saiteki.core.notifications.notify).
NOTIFY_SUBMITTED = "reviews.submitted"
NOTIFY_DECIDED = "reviews.decided"
NOTIFY_RETURNED = "reviews.returned"
NOTIFY_OPINION_REQUESTED = "reviews.opinion_requested"
NOTIFY_OPINION_WRITTEN = "reviews.opinion_written"
NOTIFY_OVERDUE = "reviews.overdue"

# Write points other apps' services call (saiteki.core.registry.run_guards); the review gate guards them.
GUARD_COST_WRITE = "ledger.cost_write"
GUARD_CONTRACT_WRITE = "ledger.contract_write"
