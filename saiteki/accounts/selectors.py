"""Reads about users and organisations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from saiteki.core.fiscal import fiscal_year_of

from .choices import DirectorySource, OrganizationKind
from .models import Assignment, DirectoryGroupMapping, Organization


def current_assignment(*, user, on: datetime.date | None = None) -> Assignment | None:
    """The user's role for the fiscal year of ``on`` (today by default).

    If the April rotation has not been entered yet, the latest earlier assignment still applies, so
    nobody is locked out on April 1st; the admin's user list flags such users as 未更新.
    """
    if user is None or user.pk is None:
        return None
    fy = fiscal_year_of(on or datetime.date.today())
    return (
        Assignment.objects.select_related("division", "division__parent")
        .filter(user=user, fiscal_year__lte=fy)
        .order_by("-fiscal_year")
        .first()
    )


def organizations_active_on(*, on: datetime.date | None = None) -> QuerySet[Organization]:
    on = on or datetime.date.today()
    return Organization.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def divisions_active_on(*, on: datetime.date | None = None) -> QuerySet[Organization]:
    return organizations_active_on(on=on).filter(kind=OrganizationKind.DIVISION).select_related("parent")


def bureaus_active_on(*, on: datetime.date | None = None) -> QuerySet[Organization]:
    return organizations_active_on(on=on).filter(kind=OrganizationKind.BUREAU)


def organization_name_on(*, organization: Organization, on: datetime.date) -> str:
    """The name an organisation had on a date (for old reports and history)."""
    former = organization.former_names.filter(valid_from__lte=on, valid_to__gte=on).first()
    return former.name if former else organization.name


def locked_usernames(*, usernames) -> set[str]:
    """Which of these user names are locked out by django-axes right now (failures at the limit within
    the cool-off), for the users page's 状態 column."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    qs = AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cool_off = get_cool_off()
    if cool_off is not None:
        qs = qs.filter(attempt_time__gte=timezone.now() - cool_off)
    return set(qs.values_list("username", flat=True))


def token_expires_at(token) -> datetime.datetime:
    """When an API token stops being accepted (``SAITEKI_TOKEN_MAX_AGE_DAYS`` after it was issued)."""
    from django.conf import settings

    return token.created + datetime.timedelta(days=settings.SAITEKI_TOKEN_MAX_AGE_DAYS)


def token_is_expired(token) -> bool:
    from django.utils import timezone

    return token_expires_at(token) <= timezone.now()


def tokens_for(*, user):
    """The user's API tokens (DRF keeps at most one per user)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user)


def directory_mapping_for(*, source: str, groups: Iterable[str]) -> DirectoryGroupMapping | None:
    """The active group mapping that applies to a directory user in these groups (normalised, lower
    case), the one with the smallest 優先順位 when several do; None when no group is mapped."""
    names = {g for g in groups if g}
    if not names:
        return None
    return (
        DirectoryGroupMapping.objects.select_related("division")
        .filter(is_active=True, source__in=[source, DirectorySource.ANY])
        .annotate(group_key=Lower("group_name"))
        .filter(group_key__in=names)
        .order_by("priority", "pk")
        .first()
    )
