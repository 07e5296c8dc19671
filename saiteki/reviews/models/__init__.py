"""The review gates (審査, SPEC C4): cases P/D/C/A with per-category amounts, decisions, CIO advisor
opinions, gate exceptions, evaluations with a rubric, proposals and their follow-up.

Every model is a :class:`~saiteki.core.models.BusinessModel` (change log, version, permission verbs) and
names its system in ``changelog_related`` so the system's karte timeline shows cases, decisions,
opinions and exceptions together with the ledger's own history.

Amounts are integer yen. A case's totals (要求額 / 査定額 / 削減額) are *derived* columns: only
:func:`saiteki.reviews.services.case_totals_refresh` writes them, from the case's lines, so the board can
sum 500,000 cases without reading 8 million lines and nobody can type a reduction.

By concern: :mod:`.cases` (a case and what belongs to it), :mod:`.gates` (the gate's setting and
exceptions), :mod:`.evaluations` (rubric, evaluations, the evaluation plan), :mod:`.proposals`.
"""

from .cases import AdvisorOpinion, CaseAttachment, CaseLine, ReviewCase, ReviewDecision, VendorQuote
from .common import FY_MAX, FY_MIN, CasePart, due_in, step_days
from .evaluations import Evaluation, EvaluationPlanItem, EvaluationScore, RubricCriterion
from .gates import GateException, GateSetting
from .proposals import Proposal, ProposalCheck

__all__ = [
    "FY_MAX",
    "FY_MIN",
    "AdvisorOpinion",
    "CaseAttachment",
    "CaseLine",
    "CasePart",
    "Evaluation",
    "EvaluationPlanItem",
    "EvaluationScore",
    "GateException",
    "GateSetting",
    "Proposal",
    "ProposalCheck",
    "ReviewCase",
    "ReviewDecision",
    "RubricCriterion",
    "VendorQuote",
    "due_in",
    "step_days",
]
