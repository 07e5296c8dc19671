from django.urls import path

from . import views

app_name = "lifecycle"

urlpatterns = [
    path("risks/", views.RiskListView.as_view(), name="risk_list"),
    path("risks/systems/", views.SystemRollupView.as_view(), name="system_rollup"),
    path("risks/rematch/", views.RematchView.as_view(), name="rematch"),
    path("systems/<int:pk>/", views.SystemRiskView.as_view(), name="system_risk"),
    path("components/<int:pk>/edit/", views.ComponentLifecycleEditView.as_view(), name="component_edit"),
    path("components/<int:pk>/map/", views.ManualMapView.as_view(), name="component_map"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("unmatched/", views.UnmatchedView.as_view(), name="unmatched"),
    path("rules/", views.MatchRuleListView.as_view(), name="matchrule_list"),
    path("rules/add/", views.MatchRuleEditView.as_view(), name="matchrule_add"),
    path("rules/<int:pk>/", views.MatchRuleDetailView.as_view(), name="matchrule_detail"),
    path("rules/<int:pk>/edit/", views.MatchRuleEditView.as_view(), name="matchrule_edit"),
    path("rules/<int:pk>/delete/", views.MatchRuleDeleteView.as_view(), name="matchrule_delete"),
    path("rules/<int:pk>/history/", views.MatchRuleHistoryView.as_view(), name="matchrule_history"),
    path("catalogue/", views.ProductListView.as_view(), name="product_list"),
    path("catalogue/<int:pk>/", views.ProductDetailView.as_view(), name="product_detail"),
    path("catalogue/refresh/", views.RefreshUploadView.as_view(), name="refresh_upload"),
    path("catalogue/refresh/<int:pk>/", views.RefreshDetailView.as_view(), name="refresh_detail"),
]
