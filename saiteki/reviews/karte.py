"""The karte's review section: recent cases, open proposals, gate status and exceptions."""

from django.template.loader import render_to_string
from django.utils import timezone

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.fiscal import fiscal_year_of

from . import selectors
from .models import GateException, ReviewCase


def render_reviews(request, system) -> str:
    """The system's recent cases, open proposals, gate status of this and next year, and exceptions."""
    user = getattr(request, "user", None)
    if user is None or not perms.role_allows(user, perms.VIEW, ReviewCase):
        return ""
    fy = fiscal_year_of(timezone.localdate())
    context = {
        "visible": True,
        "system": system,
        "can_add": perms.can(user, perms.CHANGE, system) and perms.role_allows(user, perms.ADD, ReviewCase),
        "cases": list(selectors.system_cases(user=user, system=system).select_related("system")[:8]),
        "proposals": list(selectors.open_proposals(system=system)[:10]),
        "gates": [(y, selectors.gate_status(system=system, fiscal_year=y)) for y in (fy, fy + 1)],
        "exceptions": list(GateException.objects.filter(system=system).order_by("-fiscal_year")[:5]),
    }
    return render_to_string("reviews/_karte_reviews.html", context, request=request)


reg.registry.register_karte_panel(reg.KartePanel("reviews.karte", render_reviews, tab="karte", order=20))
