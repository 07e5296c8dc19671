"""The karte's lifecycle section (support status of the system's components), as a karte panel."""

from django.template.loader import render_to_string

from saiteki.core import permissions as perms
from saiteki.core import registry as reg

from . import selectors, services
from .models import ComponentLifecycle


def render_risk(request, system) -> str:
    """Support status of the system's components, worst first; components not matched yet are matched
    on the way (a component registered a minute ago shows its status at once)."""
    user = getattr(request, "user", None)
    if user is None or not perms.role_allows(user, perms.VIEW, ComponentLifecycle):
        return ""
    known = set(
        ComponentLifecycle.objects.filter(component__system=system).values_list("component_id", flat=True)
    )
    missing = [c.pk for c in system.components.all() if c.pk not in known]
    if missing:
        services.components_match(component_ids=missing)
    return render_to_string(
        "lifecycle/_karte_risk.html",
        {"visible": True, "risk": selectors.system_risk(system=system), "system": system},
        request=request,
    )


reg.registry.register_karte_panel(reg.KartePanel("lifecycle.risk", render_risk, tab="overview", order=10))
