"""Review pages: the board, the case list (+ xlsx), a case with its amounts, opinions, decisions,
evaluation and proposal checks, the owner's view, the advisor's queue, proposals, the evaluation plan,
gate exceptions and settings. Every write is a POST to a service; errors come back as messages.

By page group: :mod:`.board` (board, my cases, opinion queue, a system's reviews), :mod:`.cases` (a case
and its actions), :mod:`.policy` (proposals, plan, exceptions, rubric, settings); :mod:`.common` holds
what they share.
"""

from .board import BoardView, MyCasesView, OpinionQueueView, SystemReviewsView
from .cases import (
    AttachmentDownloadView,
    CaseActionView,
    CaseCreateView,
    CaseDetailView,
    CaseEditView,
    CaseListView,
    CasePdfView,
)
from .policy import (
    ExceptionListView,
    GateSettingView,
    PlanView,
    ProposalAdoptView,
    ProposalDetailView,
    ProposalListView,
    RubricView,
)

__all__ = [
    "AttachmentDownloadView",
    "BoardView",
    "CaseActionView",
    "CaseCreateView",
    "CaseDetailView",
    "CaseEditView",
    "CaseListView",
    "CasePdfView",
    "ExceptionListView",
    "GateSettingView",
    "MyCasesView",
    "OpinionQueueView",
    "PlanView",
    "ProposalAdoptView",
    "ProposalDetailView",
    "ProposalListView",
    "RubricView",
    "SystemReviewsView",
]
