"""What every review write shares: who holds a right or answers for a case, the policy checks, and
model validation turned into the Japanese ``ValidationFailed`` error."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError, PermissionDeniedError
from saiteki.core.fiscal import fiscal_year_of
from saiteki.reviews.models import ReviewCase


class CaseAlreadyOpen(ApplicationError):
    """Another open case of the same system, kind and fiscal year exists (the DB constraint said so)."""

    code = "case_already_open"
    status_code = 409


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


def require(user, action: str, obj) -> None:
    """Refuse unless the policy lets ``user`` do ``action`` to ``obj``."""
    if not perms.can(user, action, obj):
        raise PermissionDeniedError()


def require_right(user, right: str) -> None:
    """Refuse unless the user's role this year holds ``right``."""
    if not perms.has_right(user, right):
        raise PermissionDeniedError()
