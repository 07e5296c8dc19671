"""SAM services: volume-licence offers, saved with their price tiers and compared over the years."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.errors import ValidationFailed

from . import selectors
from . import volume as vol
from .models import (
    OfferTier,
    ReconciliationRow,
    VolumeOffer,
)
from .services import clean, require_right


@transaction.atomic
def offer_save(*, user, offer: VolumeOffer, tiers: list[tuple[int, int, int]]) -> VolumeOffer:
    """Create or change an offer with its price table (replaced as a whole; each band logged)."""
    require_right(user, perms.ADD if offer.pk is None else perms.CHANGE, offer)
    if not tiers:
        raise ValidationFailed(_("価格表を1行以上入力してください。"), fields={"tiers": [_("必須です。")]})
    quantities = [q for q, _i, _a in tiers]
    if len(set(quantities)) != len(quantities):
        raise ValidationFailed(
            _("価格表の最低数量が重複しています。"), fields={"tiers": [_("重複があります。")]}
        )
    clean(offer)
    offer.save()
    offer.tiers.all().delete()
    for q, initial, annual in sorted(tiers):
        tier = OfferTier(offer=offer, min_quantity=q, initial_unit_price=initial, annual_unit_price=annual)
        clean(tier)
        tier.save()
    return offer


def offer_compare(*, offer: VolumeOffer, years: int = 5, quantity: int | None = None) -> dict[str, Any]:
    """The comparison for an offer: the current mix read from the licences owned today and the latest
    run's use and shortfall of the title (whole prefecture), and the year-by-year costs."""
    today = datetime.date.today()
    title = offer.title
    perpetual_units = perpetual_cost = sub_units = 0
    sub_annual = 0.0
    for p in selectors.active_purchases(today).filter(entitlement__title=title).select_related("entitlement"):
        if p.term_end is None:
            perpetual_units += p.quantity
            perpetual_cost += p.total_cost or p.quantity * p.unit_cost
        else:
            start = p.term_start or p.purchased_on
            term_years = max(1.0, ((p.term_end - start).days + 1) / 365.0)
            sub_units += p.quantity
            sub_annual += (p.total_cost or p.quantity * p.unit_cost) / term_years
    run = selectors.latest_run()
    consumed = shortfall = 0
    if run is not None:
        agg = ReconciliationRow.objects.filter(run=run, title=title).aggregate(
            consumed=Sum("consumed"), shortfall=Sum("shortfall")
        )
        consumed, shortfall = int(agg["consumed"] or 0), int(agg["shortfall"] or 0)
    price = selectors.unit_prices().get(title.pk, 0)
    unit_price = round(perpetual_cost / perpetual_units) if perpetual_units else price
    current = vol.CurrentMix(
        perpetual_units=perpetual_units,
        perpetual_unit_price=unit_price,
        subscription_units=sub_units,
        subscription_annual_price=round(sub_annual / sub_units) if sub_units else 0,
        shortfall=shortfall,
        replacement_years=offer.replacement_years,
    )
    need = quantity if quantity is not None else max(consumed, perpetual_units + sub_units)
    tiers = [vol.Tier(t.min_quantity, t.initial_unit_price, t.annual_unit_price) for t in offer.tiers.all()]
    comparison = vol.compare(current, tiers, quantity=need, years=years)
    return {"current": current, "comparison": comparison, "consumed": consumed, "run": run}
