"""Which ledger servers a consolidation scenario selects, and how their network segment is read.

The scenario's preview, the run's inputs and the result pages all ask these questions, so they are
answered once here (:mod:`saiteki.consolidation.inputs` builds the optimizer input from the answer).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from saiteki.consolidation.choices import SelectionMode
from saiteki.consolidation.models import Scenario
from saiteki.core.fiscal import fiscal_year_range
from saiteki.ledger.choices import NetworkSegment, ServerKind
from saiteki.ledger.models import Server, System

# Only these kinds are consolidation candidates; network gear, storage arrays and cloud instances are not.
CANDIDATE_KINDS = (ServerKind.PHYSICAL, ServerKind.VIRTUAL)


def maintenance_cutoff(scenario: Scenario):
    """Last day of the N-th fiscal year counted from the plan's first year (N = 1: its own year)."""
    return fiscal_year_range(scenario.fiscal_year + scenario.maintenance_within_years - 1)[1]


def scenario_servers(scenario: Scenario) -> QuerySet[Server]:
    """The ledger servers a scenario places, by its selection mode and its optional filters.

    Hosts that already carry guests are never candidates themselves: the platform's VMs are planned
    instead (selection "shared platform"). Servers of retired systems are left out.
    """
    qs = (
        Server.objects.filter(kind__in=CANDIDATE_KINDS)
        .exclude(systems__status="retired")
        .exclude(pk__in=Server.objects.filter(guests__isnull=False).values("pk"))
    )
    if scenario.selection == SelectionMode.SHARED_PLATFORM:
        qs = qs.filter(kind=ServerKind.VIRTUAL, host__isnull=False)
    elif scenario.selection == SelectionMode.MAINTENANCE_DUE:
        qs = qs.filter(kind=ServerKind.PHYSICAL, maintenance_end__lte=maintenance_cutoff(scenario))
    elif scenario.filter_server_kind:
        qs = qs.filter(kind=scenario.filter_server_kind)
    if scenario.filter_hosting_form:
        qs = qs.filter(systems__hosting_form=scenario.filter_hosting_form)
    if scenario.filter_segment:
        seg = scenario.filter_segment
        qs = qs.filter(Q(segment=seg) | Q(segment="", **{f"systems__segment_{seg}": True}))
    if scenario.filter_division_id:
        qs = qs.filter(systems__owning_division_id=scenario.filter_division_id)
    if scenario.filter_bureau_id:
        qs = qs.filter(systems__owning_division__parent_id=scenario.filter_bureau_id)
    if scenario.extend_platform:
        # The platform's own VMs are in the plan already (as residents), never as candidates.
        qs = qs.exclude(host__in=platform_hosts())
    return qs.distinct().order_by("name")


def platform_hosts() -> QuerySet[Server]:
    """The shared platform as it is: physical servers that run VMs of systems still in use."""
    return (
        Server.objects.filter(kind=ServerKind.PHYSICAL, guests__kind=ServerKind.VIRTUAL)
        .distinct()
        .order_by("name")
    )


def platform_residents(hosts: QuerySet[Server]) -> QuerySet[Server]:
    """The VMs on the platform's hosts (of systems not retired)."""
    return (
        Server.objects.filter(kind=ServerKind.VIRTUAL, host__in=hosts)
        .exclude(systems__status="retired")
        .distinct()
        .order_by("name")
    )


def effective_segment(server: Server, systems: list[System]) -> str | None:
    """The server's own segment, else its systems' one segment; None when unknown or ambiguous.

    Unknown machines form their own group under segment separation: a server whose segment the ledger
    does not state is never put next to a classified one.
    """
    if server.segment:
        return server.segment
    segs = {s for system in systems for s in system.segments}
    return segs.pop() if len(segs) == 1 else None


def segment_label(value: str | None) -> str:
    """Japanese label of a segment value, 「区分未設定」 for unknown ones."""
    if value in NetworkSegment.values:
        return str(NetworkSegment(value).label)
    return _("区分未設定")
