"""Writes of the review gates. Every function checks the policy, runs in one transaction and change
batch (the change log gets who, when and why), and raises ``ApplicationError`` with a Japanese message.

State changes go through :func:`case_transition` (which calls ``saiteki.core.workflow.transition_run``
and then does what a transition means beyond the case: the decision record, the opinion request,
notifications). The page's buttons and both API routes call it, so they cannot behave differently.

By concern: :mod:`.cases` (request, amounts, quotes, attachments, budget), :mod:`.flow` (transitions,
opinions, reminders), :mod:`.gates`, :mod:`.evaluations`, :mod:`.proposals`; :mod:`.common` holds the
policy checks they share. Callers use this package (``services.case_create``).
"""

from .cases import (
    AMOUNT_MAX,
    BUDGET_APPLY_REASON,
    EDITABLE_BY_OWNER,
    attachment_add,
    case_assess,
    case_budget_apply,
    case_create,
    case_link_system,
    case_requested_set,
    case_totals_refresh,
    case_update,
    may_edit_request,
    quotes_set,
)
from .common import CaseAlreadyOpen, case_owners, users_with_right
from .evaluations import (
    DEFAULT_RUBRIC,
    evaluation_save,
    evaluation_score,
    plan_generate,
    rubric_defaults_ensure,
)
from .flow import DECISIONS, case_transition, opinion_respond, opinion_write, reminders_send
from .gates import gate_exception_create, gate_setting_save
from .proposals import (
    carry_over_proposals,
    proposal_check_record,
    proposal_create,
    proposal_update,
    proposals_from_journal,
)

__all__ = [
    "AMOUNT_MAX",
    "BUDGET_APPLY_REASON",
    "DECISIONS",
    "DEFAULT_RUBRIC",
    "EDITABLE_BY_OWNER",
    "CaseAlreadyOpen",
    "attachment_add",
    "carry_over_proposals",
    "case_assess",
    "case_budget_apply",
    "case_create",
    "case_link_system",
    "case_owners",
    "case_requested_set",
    "case_totals_refresh",
    "case_transition",
    "case_update",
    "evaluation_save",
    "evaluation_score",
    "gate_exception_create",
    "gate_setting_save",
    "may_edit_request",
    "opinion_respond",
    "opinion_write",
    "plan_generate",
    "proposal_check_record",
    "proposal_create",
    "proposal_update",
    "proposals_from_journal",
    "quotes_set",
    "reminders_send",
    "rubric_defaults_ensure",
    "users_with_right",
]
