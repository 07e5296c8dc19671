"""The karte's review section: one tag, so the ledger template needs one line to show it."""

from django import template
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core.fiscal import fiscal_year_of
from saiteki.reviews import selectors
from saiteki.reviews.models import GateException, ReviewCase

register = template.Library()


@register.inclusion_tag("reviews/_karte_reviews.html", takes_context=True)
def reviews_karte(context, system):
    """The system's recent cases, open proposals, gate status of this and next year, and exceptions."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not perms.role_allows(user, perms.VIEW, ReviewCase):
        return {"visible": False}
    fy = fiscal_year_of(timezone.localdate())
    return {
        "visible": True,
        "system": system,
        "can_add": perms.can(user, perms.CHANGE, system) and perms.role_allows(user, perms.ADD, ReviewCase),
        "cases": list(selectors.system_cases(user=user, system=system).select_related("system")[:8]),
        "proposals": list(selectors.open_proposals(system=system)[:10]),
        "gates": [(y, selectors.gate_status(system=system, fiscal_year=y)) for y in (fy, fy + 1)],
        "exceptions": list(GateException.objects.filter(system=system).order_by("-fiscal_year")[:5]),
        "request": request,
    }
