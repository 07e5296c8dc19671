"""What the review models share: the fiscal-year range, business-day due dates, and the abstract
:class:`CasePart` for the records that belong to one case (lines, quotes, attachments, decisions,
opinions, evaluations, proposal checks)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saiteki.core.business_days import add_business_days
from saiteki.core.models import BusinessModel

if TYPE_CHECKING:
    from .cases import ReviewCase

FY_MIN, FY_MAX = 1989, 2100


def step_days(name: str) -> int:
    """Business days allowed for a step (GateSetting, or the field's default without a setting)."""
    from .gates import GateSetting

    setting = GateSetting.objects.order_by("pk").first()
    if setting is not None:
        return int(getattr(setting, name))
    return int(GateSetting._meta.get_field(name).default)


def due_in(days: int) -> datetime.date:
    """The due date ``days`` 開庁日 after today (Japanese holidays and 年末年始 skipped)."""
    return add_business_days(timezone.localdate(), days)


def fy_check(name: str, field: str = "fiscal_year") -> models.CheckConstraint:
    """The database's own guard that a fiscal year is in the range the forms and API accept."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": FY_MIN, f"{field}__lte": FY_MAX}), name=name
    )


def systems_of(obj) -> list:
    """The ledger system of a case (none while it is about a planned system)."""
    system = getattr(obj, "system", None)
    return [system] if system is not None else []


def case_link(related_name: str) -> models.ForeignKey[ReviewCase, ReviewCase]:
    """The link from a :class:`CasePart` to its case (deleted with the case)."""
    return models.ForeignKey(
        "reviews.ReviewCase", verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name=related_name
    )


class CasePart(BusinessModel):
    """A record that belongs to one review case and is read on the case's page.

    Owned by the case's division; its page is the case's page (at ``case_anchor``). Its history is
    shown with the case's, and — where ``on_karte`` — also on the system's karte timeline (decisions,
    opinions, amounts and evaluations are part of the system's story; a quote or attachment is not).
    """

    division_path = "case__division"
    case_anchor = ""
    on_karte = False

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url() + self.case_anchor

    def changelog_related(self):
        if self.on_karte:
            return [self.case, *systems_of(self.case)]
        return [self.case]
