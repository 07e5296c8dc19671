"""The karte's lifecycle section: one tag, so the ledger template needs one line to show it."""

from django import template

from saiteki.core import permissions as perms
from saiteki.lifecycle import selectors, services
from saiteki.lifecycle.models import ComponentLifecycle

register = template.Library()


@register.inclusion_tag("lifecycle/_karte_risk.html", takes_context=True)
def lifecycle_karte(context, system):
    """Support status of the system's components (worst first), for the karte's overview."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not perms.role_allows(user, perms.VIEW, ComponentLifecycle):
        return {"visible": False}
    known = set(
        ComponentLifecycle.objects.filter(component__system=system).values_list("component_id", flat=True)
    )
    missing = [c.pk for c in system.components.all() if c.pk not in known]
    if missing:
        services.components_match(component_ids=missing)
    return {
        "visible": True,
        "risk": selectors.system_risk(system=system),
        "system": system,
        "request": request,
    }
