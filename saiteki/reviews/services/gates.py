"""The gate's master data: whether it applies and the step deadlines, and an admin's exception for
one system, fiscal year and gate."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ValidationFailed, full_clean_or_fail
from saiteki.ledger.models import System
from saiteki.reviews.choices import GateKind
from saiteki.reviews.models import GateException, GateSetting

from .common import require_right


def gate_setting_save(
    *,
    user,
    enabled: bool,
    first_fiscal_year: int,
    review_days: int = 10,
    response_days: int = 10,
    opinion_days: int = 5,
) -> GateSetting:
    require_right(user, perms.REVIEW_DECIDE)
    with transaction.atomic(), change_context(user=user), change_batch():
        setting = GateSetting.objects.select_for_update().order_by("pk").first() or GateSetting(
            first_fiscal_year=first_fiscal_year
        )
        setting.enabled = enabled
        setting.first_fiscal_year = first_fiscal_year
        setting.review_days = review_days
        setting.response_days = response_days
        setting.opinion_days = opinion_days
        full_clean_or_fail(setting)
        setting.save()
    return setting


def gate_exception_create(*, user, system: System, fiscal_year: int, gate: str, reason: str) -> GateException:
    """An admin opens the gate for one system, year and gate, with a reason (shown on the karte and in
    the year's report)."""
    require_right(user, perms.REVIEW_DECIDE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("例外とする理由を入力してください。"),
            fields={"reason": [_("例外とする理由を入力してください。")]},
        )
    if gate not in GateKind.values:
        raise ValidationFailed(fields={"gate": [_("対象を選択してください。")]})
    try:
        with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
            exc = GateException(
                system=system,
                fiscal_year=fiscal_year,
                gate=gate,
                reason=reason,
                granted_by=user,
                granted_by_name=str(user),
            )
            full_clean_or_fail(exc)
            exc.save()
    except IntegrityError as err:
        raise ValidationFailed(_("同じシステム・年度・対象の例外はすでに登録されています。")) from err
    return exc
