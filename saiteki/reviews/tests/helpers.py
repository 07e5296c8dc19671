"""Test helpers: a case moved along its workflow through the real services."""

from saiteki.reviews import services
from saiteki.reviews.choices import CaseKind

FY_DEFAULT = None


def approved_case(
    *, owner, admin, system, fiscal_year, kind=CaseKind.PRE_BUDGET, requested=None, assessed=None
):
    requested = requested or {"app_maintenance": 1_000_000, "hw_lease": 500_000}
    case = services.case_create(
        user=owner, kind=kind, fiscal_year=fiscal_year, system=system, requested=requested
    )
    case = services.case_transition(user=owner, case=case, name="submit")
    case = services.case_transition(user=admin, case=case, name="start_review")
    services.case_assess(user=admin, case=case, assessed=assessed or {c: a for c, a in requested.items()})
    case.refresh_from_db()
    return services.case_transition(user=admin, case=case, name="approve", comment="承認")
