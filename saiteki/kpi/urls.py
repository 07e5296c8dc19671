from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("trends/", views.trends, name="trends"),
    path("refresh/", views.refresh, name="refresh"),
    path("definitions/<int:pk>/", views.definition_detail, name="definition_detail"),
    path("definitions/<int:pk>/entry/", views.entry_set, name="entry_set"),
    path("values/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("values/<int:pk>/comment/", views.comment_set, name="comment_set"),
    path("years/", views.years, name="years"),
    path("years/<int:fy>/close/", views.year_close, name="year_close"),
    path("years/<int:fy>/reopen/", views.year_reopen, name="year_reopen"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/<str:fmt>/", views.report_download, name="report_download"),
    path("ledger/", views.ledger_as_of, name="ledger_as_of"),
]
