"""The karte's 「BCP・バックアップ」 tab: the system's backup compliance (with a form to record a restore
test), its ICT-BCP, recovery position, documents, drills and incidents — through the registry, so the
ledger names no resilience module."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.ledger.models import System

from . import selectors
from .choices import FREQUENCY_HOURS
from .forms import RestoreTestForm
from .models import BackupPractice, BcpDocument, BcpProfile, RestoreTest, SecurityIncident


def render_bcp(request, system) -> str:
    """The tab's content for a user who may read backup practices (every role with a role)."""
    user = getattr(request, "user", None)
    if user is None or not perms.role_allows(user, perms.VIEW, BackupPractice):
        return ""
    compliance = selectors.system_compliance(system)
    bcp = BcpProfile.objects.filter(system=system).prefetch_related("depends_on").first()
    deps = list(bcp.depends_on.all()) if bcp else []
    dependents = [p.system for p in BcpProfile.objects.filter(depends_on=system).select_related("system")]
    ids = [s.pk for s in deps + dependents]
    visible = set(System.objects.restrict(user, perms.VIEW).filter(pk__in=ids).values_list("pk", flat=True))

    def name(s) -> str:
        # Another division's system is named only to those who may see it.
        return str(s) if s.pk in visible else _("他所属のシステム")

    context = {
        "system": system,
        "c": compliance,
        "can_change": perms.can(user, perms.CHANGE, system)
        and perms.role_allows(user, perms.CHANGE, BackupPractice),
        "can_record": perms.can_create(user, RestoreTest, {"system": system}),
        "restore_form": RestoreTestForm(),
        "bcp": bcp,
        "can_change_bcp": bcp is not None and perms.can(user, perms.CHANGE, bcp),
        "can_add_bcp": bcp is None and perms.can_create(user, BcpProfile, {"system": system}),
        "dependencies": [name(d) for d in deps],
        "dependents": [name(d) for d in dependents],
        "documents": list(BcpDocument.objects.restrict(user, perms.VIEW).filter(systems=system)),
        "drills": list(system.bcp_drills.order_by("-held_on")[:5]),
        "incidents": list(
            SecurityIncident.objects.restrict(user, perms.VIEW)
            .filter(systems=system)
            .order_by("-occurred_on")[:5]
        ),
    }
    if bcp is not None:
        plan = selectors.recovery_plan().plan
        context["step"] = plan.position_of(system.pk)
        context["blocked"] = any(n.id == system.pk for n in plan.blocked)
        practice = compliance["practice"]
        hours = FREQUENCY_HOURS.get(practice.frequency) if practice else None
        if practice is not None and (hours is None or hours > bcp.rpo_hours):
            context["rpo_warning"] = _("バックアップの取得頻度（%(freq)s）ではRPOを満たせません。") % {
                "freq": practice.get_frequency_display()
            }
    return render_to_string("resilience/_karte_bcp.html", context, request=request)


reg.registry.register_karte_panel(
    reg.KartePanel("resilience.bcp", render_bcp, tab="bcp", tab_label=gettext_lazy("BCP・バックアップ"))
)
