"""URLs of the cost analysis and the cost-row list its figures drill down to."""

from django.urls import path

from saiteki.ledger import views_analysis

urlpatterns: list = [
    path("cost-analysis/", views_analysis.CostAnalysisView.as_view(), name="cost_analysis"),
    path("costs/", views_analysis.CostRowListView.as_view(), name="cost_list"),
]
