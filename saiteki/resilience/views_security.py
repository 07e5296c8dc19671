"""Security pages of the resilience app: incidents, e-mail drills and their results, training sessions
and network separation (SPEC C11). Split from ``views.py`` by concern; the same generic views."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import permissions as perms
from saiteki.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    master_data_views,
)

from . import selectors
from .choices import SEPARATION_HELP
from .filtersets import (
    EmailDrillFilterSet,
    EmailDrillResultFilterSet,
    SecurityIncidentFilterSet,
    TrainingSessionFilterSet,
)
from .forms import (
    EmailDrillForm,
    EmailDrillResultForm,
    NetworkSeparationForm,
    SecurityIncidentForm,
    TrainingSessionForm,
)
from .models import (
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    SecurityIncident,
    TrainingSession,
)
from .tables import (
    EMAIL_DRILL_TABLE,
    EMAIL_RESULT_TABLE,
    INCIDENT_TABLE,
    SEPARATION_TABLE,
    TRAINING_TABLE,
)
from .views import chart

# --- Security ------------------------------------------------------------------------------------------


class SecurityIncidentListView(ObjectListView):
    model = SecurityIncident
    table = INCIDENT_TABLE
    filterset_class = SecurityIncidentFilterSet
    title = gettext_lazy("情報セキュリティ事故")
    template_name = "resilience/incident_list.html"

    def extra_context(self, request) -> dict:
        fy = request.fiscal_year
        counts = selectors.incident_counts(fy)
        shown = (
            SecurityIncident.objects.restrict(request.user, perms.VIEW)
            .filter(pk__in=selectors.incidents_in(fy).values("pk"))
            .count()
        )
        return {"fy": fy, "counts": counts, "hidden": counts["total"] - shown}


class SecurityIncidentDetailView(ObjectDetailView):
    model = SecurityIncident
    fields = (
        "occurred_on",
        "title",
        "kind",
        "severity",
        "systems",
        "personal_data",
        "affected_count",
        "status",
        "summary",
        "measures",
        "closed_on",
    )


class SecurityIncidentEditView(ObjectEditView):
    model = SecurityIncident
    form_class = SecurityIncidentForm


class SecurityIncidentDeleteView(ObjectDeleteView):
    model = SecurityIncident


class SecurityIncidentHistoryView(ObjectHistoryView):
    model = SecurityIncident


class EmailDrillListView(ObjectListView):
    model = EmailDrill
    table = EMAIL_DRILL_TABLE
    filterset_class = EmailDrillFilterSet
    title = gettext_lazy("標的型攻撃メール訓練")
    template_name = "resilience/emaildrill_list.html"

    def get_queryset(self, request):
        return EmailDrill.objects.restrict(request.user, perms.VIEW).annotate(
            sent_total=Sum("results__sent"),
            clicked_total=Sum("results__clicked"),
            reported_total=Sum("results__reported"),
        )

    def extra_context(self, request) -> dict:
        return {"can_import": perms.role_allows(request.user, perms.IMPORT, EmailDrillResult)}


class EmailDrillDetailView(ObjectDetailView):
    model = EmailDrill
    template_name = "resilience/emaildrill_detail.html"
    fields = ("held_on", "title", "note")

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        rows = selectors.email_drill_rows(obj)
        bureau_rows = [r for r in rows if not r.get("is_total")]
        context["rows"] = rows
        context["results"] = {r.bureau_id: r for r in obj.results.all()}
        context["can_add_result"] = perms.can(request.user, perms.ADD, EmailDrillResult)
        context["chart"] = chart(
            [r["bureau"] for r in bureau_rows],
            [
                (_("開封率"), [float(r["opened_pct"] or 0) for r in bureau_rows]),
                (_("クリック率"), [float(r["clicked_pct"] or 0) for r in bureau_rows]),
                (_("報告率"), [float(r["reported_pct"] or 0) for r in bureau_rows]),
            ],
        )
        return context


class EmailDrillEditView(ObjectEditView):
    model = EmailDrill
    form_class = EmailDrillForm


class EmailDrillDeleteView(ObjectDeleteView):
    model = EmailDrill


class EmailDrillHistoryView(ObjectHistoryView):
    model = EmailDrill


class EmailDrillResultListView(ObjectListView):
    model = EmailDrillResult
    table = EMAIL_RESULT_TABLE
    filterset_class = EmailDrillResultFilterSet
    title = gettext_lazy("標的型攻撃メール訓練の結果")


class EmailDrillResultEditView(ObjectEditView):
    model = EmailDrillResult
    form_class = EmailDrillResultForm

    initial_from_query = ("drill",)


class EmailDrillResultDeleteView(ObjectDeleteView):
    model = EmailDrillResult

    def get_success_url(self, obj) -> str:
        return reverse("resilience:emaildrill_detail", args=[obj.drill_id])


(
    TrainingSessionListView,
    TrainingSessionDetailView,
    TrainingSessionEditView,
    TrainingSessionHistoryView,
) = master_data_views(
    model=TrainingSession,
    form_class=TrainingSessionForm,
    table=TRAINING_TABLE,
    title=gettext_lazy("研修"),
    fields=("held_on", "title", "kind", "target", "attendees", "note"),
)
TrainingSessionListView.filterset_class = TrainingSessionFilterSet
TrainingSessionListView.template_name = "resilience/training_list.html"


class TrainingSessionDeleteView(ObjectDeleteView):
    model = TrainingSession


class NetworkSeparationListView(ObjectListView):
    model = NetworkSeparation
    table = SEPARATION_TABLE
    title = gettext_lazy("ネットワーク分離モデル")
    template_name = "resilience/separation_list.html"

    def extra_context(self, request) -> dict:
        current = selectors.separation_in_force()
        return {
            "current": current,
            "current_help": SEPARATION_HELP.get(current.model) if current else "",
            "models_help": [(str(k.label), v) for k, v in SEPARATION_HELP.items()],
        }


class NetworkSeparationEditView(ObjectEditView):
    model = NetworkSeparation
    form_class = NetworkSeparationForm


class NetworkSeparationDeleteView(ObjectDeleteView):
    model = NetworkSeparation


class NetworkSeparationHistoryView(ObjectHistoryView):
    model = NetworkSeparation
