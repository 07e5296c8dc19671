"""Operating-system end of support for the migration waves, from the lifecycle app's EOL catalogue.

The migration waves move a system in the fiscal year its hardware maintenance ends *or its OS reaches
end of support*. The dates come from the one EOL catalogue of the product (``saiteki.lifecycle``):
a component's stored match (with its per-component override) when it has one, else the same matcher
run on the component's text. Only server operating systems count: middleware and databases can
usually be upgraded in place and do not force a hardware move.

If the catalogue has no server OS cycles, every lookup answers None and the waves fall back to
maintenance ends only (the result page says so).
"""

from __future__ import annotations

import datetime

from saiteki.lifecycle import services as lifecycle_services
from saiteki.lifecycle.catalogue import SERVER_OS
from saiteki.lifecycle.models import ComponentLifecycle, Cycle
from saiteki.lifecycle.risk import ENDED

#: "Long past" for a cycle whose end is recorded without a date: planned in the first wave.
LONG_PAST = datetime.date(2000, 1, 1)


def is_available() -> bool:
    """True when the catalogue knows server operating systems."""
    return Cycle.objects.filter(product__slug__in=SERVER_OS).exists()


def _os_cycle(text: str) -> Cycle | None:
    result = lifecycle_services.matcher_get().match(text)
    if not result.matched or result.product not in SERVER_OS:
        return None
    return (
        Cycle.objects.select_related("product")
        .filter(product__slug=result.product, cycle=result.cycle)
        .first()
    )


def is_operating_system(product: str, version: str = "") -> bool:
    """Does this ledger text name a server operating system the catalogue knows?"""
    text = f"{product} {version}".strip()
    result = lifecycle_services.matcher_get().match(text)
    return (result.product or result.candidate_product) in SERVER_OS


def _answer(eol: datetime.date | None, label: str) -> tuple[datetime.date | None, str]:
    if eol is None:
        return None, ""
    return (LONG_PAST if eol == ENDED else eol), label


def os_end_of_support(product: str, version: str) -> tuple[datetime.date | None, str]:
    """End of support (``eol``: end of security fixes) of an OS named by free text, and its label.

    Returns (None, "") for products that are not server operating systems or are not in the catalogue.
    """
    from saiteki.lifecycle.risk import phase_date

    cycle = _os_cycle(f"{product} {version}".strip())
    if cycle is None:
        return None, ""
    return _answer(phase_date(cycle.eol), str(cycle))


def component_end_of_support(component) -> tuple[datetime.date | None, str]:
    """Like :func:`os_end_of_support` for a ledger component, using its stored match and its
    per-component override when the lifecycle app has one."""
    lc = ComponentLifecycle.objects.filter(component=component).select_related("cycle__product").first()
    if lc is not None and lc.known and lc.matched_text == lifecycle_services.component_text(component):
        if lc.cycle is None or lc.cycle.product.slug not in SERVER_OS:
            return None, ""
        return _answer(lc.eff_eol, str(lc.cycle))
    return os_end_of_support(
        component.product, " ".join(x for x in (component.edition, component.product_version) if x)
    )
