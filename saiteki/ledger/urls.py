from django.urls import path

from saiteki.ledger import urls_analysis, urls_import, urls_survey, views

app_name = "ledger"

urlpatterns = [
    path("systems/", views.SystemListView.as_view(), name="system_list"),
    path("systems/add/", views.SystemEditView.as_view(), name="system_add"),
    path("systems/saved-filters/", views.SavedFilterView.as_view(), name="saved_filter"),
    path("systems/<int:pk>/", views.SystemDetailView.as_view(), name="system_detail"),
    path("systems/<int:pk>/edit/", views.SystemEditView.as_view(), name="system_edit"),
    path("systems/<int:pk>/delete/", views.SystemDeleteView.as_view(), name="system_delete"),
    path("systems/<int:pk>/history/", views.SystemHistoryView.as_view(), name="system_history"),
    path("systems/<int:pk>/costs/", views.SystemCostsView.as_view(), name="system_costs"),
    path("servers/", views.ServerListView.as_view(), name="server_list"),
    path("servers/add/", views.ServerEditView.as_view(), name="server_add"),
    path("servers/<int:pk>/", views.ServerDetailView.as_view(), name="server_detail"),
    path("servers/<int:pk>/edit/", views.ServerEditView.as_view(), name="server_edit"),
    path("servers/<int:pk>/delete/", views.ServerDeleteView.as_view(), name="server_delete"),
    path("servers/<int:pk>/history/", views.ServerHistoryView.as_view(), name="server_history"),
    path("components/add/", views.ComponentEditView.as_view(), name="component_add"),
    path("components/<int:pk>/edit/", views.ComponentEditView.as_view(), name="component_edit"),
    path("components/<int:pk>/delete/", views.ComponentDeleteView.as_view(), name="component_delete"),
    path("contracts/", views.ContractListView.as_view(), name="contract_list"),
    path("contracts/add/", views.ContractEditView.as_view(), name="contract_add"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.ContractEditView.as_view(), name="contract_edit"),
    path("contracts/<int:pk>/history/", views.ContractHistoryView.as_view(), name="contract_history"),
]
for _prefix, _name, _views in (
    ("vendors", "vendor", views.VENDOR_VIEWS),
    ("municipalities", "municipality", views.MUNICIPALITY_VIEWS),
    ("tags", "tag", views.TAG_VIEWS),
):
    _list, _detail, _edit, _history = _views
    urlpatterns += [
        path(f"{_prefix}/", _list.as_view(), name=f"{_name}_list"),
        path(f"{_prefix}/add/", _edit.as_view(), name=f"{_name}_add"),
        path(f"{_prefix}/<int:pk>/", _detail.as_view(), name=f"{_name}_detail"),
        path(f"{_prefix}/<int:pk>/edit/", _edit.as_view(), name=f"{_name}_edit"),
        path(f"{_prefix}/<int:pk>/history/", _history.as_view(), name=f"{_name}_history"),
    ]

# Imports/surveys and the cost analysis keep their routes in their own modules.
urlpatterns += urls_import.urlpatterns + urls_survey.urlpatterns + urls_analysis.urlpatterns
