"""The volume-licence recommendation (pure: no Django): the cost over N years of the current mix against
an offer's price table, with the saving and the break-even year.

* **Current mix** — buying the shortfall now at the current unit price (to comply), then every year the
  perpetual licences annualised over their replacement cycle (a PC refresh buys them again) plus the
  subscriptions' yearly cost.
* **Offer** — the price-table band for the quantity needed: its one-time price per licence in the first
  year and its yearly price per licence every year.

Break-even is the first year whose cumulative offer cost is at most the current mix's (1 when the offer
is cheaper from the start; None when it never is within the years compared).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    initial_unit_price: int
    annual_unit_price: int


@dataclass(frozen=True)
class CurrentMix:
    """What the prefecture has today for the title."""

    perpetual_units: int = 0
    perpetual_unit_price: int = 0
    subscription_units: int = 0
    subscription_annual_price: int = 0
    shortfall: int = 0
    replacement_years: int = 5

    def year_cost(self, year: int) -> int:
        recurring = self.perpetual_units * self.perpetual_unit_price / max(1, self.replacement_years)
        recurring += self.subscription_units * self.subscription_annual_price
        comply = self.shortfall * self.perpetual_unit_price if year == 1 else 0
        return round(recurring + comply)


@dataclass(frozen=True)
class YearRow:
    year: int
    current: int
    offer: int
    cumulative_current: int
    cumulative_offer: int

    @property
    def cumulative_saving(self) -> int:
        return self.cumulative_current - self.cumulative_offer


@dataclass
class Comparison:
    quantity: int
    tier: Tier | None
    years: list[YearRow] = field(default_factory=list)

    @property
    def current_total(self) -> int:
        return self.years[-1].cumulative_current if self.years else 0

    @property
    def offer_total(self) -> int:
        return self.years[-1].cumulative_offer if self.years else 0

    @property
    def saving(self) -> int:
        """Positive: the offer is cheaper over the period."""
        return self.current_total - self.offer_total

    @property
    def break_even_year(self) -> int | None:
        for row in self.years:
            if row.cumulative_offer <= row.cumulative_current:
                return row.year
        return None


def tier_for(tiers: Sequence[Tier], quantity: int) -> Tier | None:
    """The band that applies to ``quantity``: the largest minimum not above it (the smallest band when
    the quantity is below every minimum — the vendor's price for the smallest order)."""
    if not tiers:
        return None
    ordered = sorted(tiers, key=lambda t: t.min_quantity)
    chosen = ordered[0]
    for t in ordered:
        if t.min_quantity <= quantity:
            chosen = t
    return chosen


def compare(current: CurrentMix, tiers: Sequence[Tier], *, quantity: int, years: int) -> Comparison:
    """Year-by-year costs of both options for ``quantity`` licences over ``years`` years."""
    tier = tier_for(tiers, quantity)
    out = Comparison(quantity=quantity, tier=tier)
    cum_current = cum_offer = 0
    for year in range(1, max(1, years) + 1):
        now = current.year_cost(year)
        offer = 0
        if tier is not None:
            offer = quantity * tier.annual_unit_price + (
                quantity * tier.initial_unit_price if year == 1 else 0
            )
        cum_current += now
        cum_offer += offer
        out.years.append(YearRow(year, now, offer, cum_current, cum_offer))
    return out
