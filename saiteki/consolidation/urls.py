from django.urls import path

from saiteki.consolidation import views

app_name = "consolidation"

urlpatterns = [
    path("host-models/", views.HostModelListView.as_view(), name="hostmodel_list"),
    path("host-models/add/", views.HostModelEditView.as_view(), name="hostmodel_add"),
    path("host-models/<int:pk>/", views.HostModelDetailView.as_view(), name="hostmodel_detail"),
    path("host-models/<int:pk>/edit/", views.HostModelEditView.as_view(), name="hostmodel_edit"),
    path("host-models/<int:pk>/delete/", views.HostModelDeleteView.as_view(), name="hostmodel_delete"),
    path("host-models/<int:pk>/history/", views.HostModelHistoryView.as_view(), name="hostmodel_history"),
    path("scenarios/", views.ScenarioListView.as_view(), name="scenario_list"),
    path("scenarios/add/", views.ScenarioEditView.as_view(), name="scenario_add"),
    path("scenarios/<int:pk>/", views.ScenarioDetailView.as_view(), name="scenario_detail"),
    path("scenarios/<int:pk>/edit/", views.ScenarioEditView.as_view(), name="scenario_edit"),
    path("scenarios/<int:pk>/delete/", views.ScenarioDeleteView.as_view(), name="scenario_delete"),
    path("scenarios/<int:pk>/history/", views.ScenarioHistoryView.as_view(), name="scenario_history"),
    path("scenarios/<int:pk>/run/", views.ScenarioRunStartView.as_view(), name="scenario_run"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/export/", views.RunExportView.as_view(), name="run_export"),
    path("runs/<int:pk>/adopt/", views.RunAdoptView.as_view(), name="run_adopt"),
    path("runs/<int:pk>/status/", views.RunStatusView.as_view(), name="run_status"),
    path("runs/<int:pk>/cancel/", views.RunCancelView.as_view(), name="run_cancel"),
    path("runs/<int:pk>/budget/", views.RunBudgetExportView.as_view(), name="run_budget_export"),
    path("runs/<int:pk>/budget-case/", views.RunBudgetCaseView.as_view(), name="run_budget_case"),
]
