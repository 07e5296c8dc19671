from django.urls import path

from . import views, views_inventory, views_licences, views_offers

app_name = "sam"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("runs/", views.RunListView.as_view(), name="run_list"),
    path("runs/start/", views.RunStartView.as_view(), name="run_start"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    # Catalogue
    path("titles/", views.TitleListView.as_view(), name="title_list"),
    path("titles/add/", views.TitleEditView.as_view(), name="title_add"),
    path("titles/<int:pk>/", views.TitleDetailView.as_view(), name="title_detail"),
    path("titles/<int:pk>/edit/", views.TitleEditView.as_view(), name="title_edit"),
    path("titles/<int:pk>/history/", views.TitleHistoryView.as_view(), name="title_history"),
    path("titles/<int:pk>/devices/", views.DevicesBehindView.as_view(), name="devices_behind"),
    path("rules/", views.RuleListView.as_view(), name="normalisationrule_list"),
    path("rules/add/", views.RuleEditView.as_view(), name="normalisationrule_add"),
    path("rules/<int:pk>/", views.RuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("rules/<int:pk>/history/", views.RuleHistoryView.as_view(), name="rule_history"),
    path("names/", views.NameListView.as_view(), name="name_list"),
    path("names/<int:pk>/", views.NameMapView.as_view(), name="name_map"),
    path("peaks/add/", views_offers.UsagePeakEditView.as_view(), name="usagepeak_add"),
    # Licences
    path("entitlements/", views_licences.EntitlementListView.as_view(), name="entitlement_list"),
    path("entitlements/add/", views_licences.EntitlementEditView.as_view(), name="entitlement_add"),
    path("entitlements/<int:pk>/", views_licences.EntitlementDetailView.as_view(), name="entitlement_detail"),
    path(
        "entitlements/<int:pk>/edit/", views_licences.EntitlementEditView.as_view(), name="entitlement_edit"
    ),
    path(
        "entitlements/<int:pk>/history/",
        views_licences.EntitlementHistoryView.as_view(),
        name="entitlement_history",
    ),
    path(
        "entitlements/<int:pk>/purchases/add/", views_licences.PurchaseEditView.as_view(), name="purchase_add"
    ),
    path(
        "entitlements/<int:pk>/purchases/<int:purchase_pk>/",
        views_licences.PurchaseEditView.as_view(),
        name="purchase_edit",
    ),
    path(
        "entitlements/<int:pk>/purchases/<int:purchase_pk>/delete/",
        views_licences.PurchaseDeleteView.as_view(),
        name="purchase_delete",
    ),
    path("entitlements/<int:pk>/proofs/", views_licences.ProofUploadView.as_view(), name="proof_upload"),
    path("proofs/<int:pk>/", views_licences.proof_download, name="proof_download"),
    path("proofs/<int:pk>/delete/", views_licences.ProofDeleteView.as_view(), name="proof_delete"),
    # Devices and scans
    path("devices/", views.DeviceListView.as_view(), name="device_list"),
    path("devices/add/", views.DeviceEditView.as_view(), name="device_add"),
    path("devices/<int:pk>/", views.DeviceDetailView.as_view(), name="device_detail"),
    path("devices/<int:pk>/edit/", views.DeviceEditView.as_view(), name="device_edit"),
    path("devices/<int:pk>/history/", views.DeviceHistoryView.as_view(), name="device_history"),
    path("scans/", views.ScanListView.as_view(), name="scan_list"),
    path("scans/<int:pk>/", views.ScanDetailView.as_view(), name="scan_detail"),
    # Volume offers
    path("offers/", views_offers.OfferListView.as_view(), name="offer_list"),
    path("offers/add/", views_offers.OfferEditView.as_view(), name="offer_add"),
    path("offers/<int:pk>/", views_offers.OfferDetailView.as_view(), name="offer_detail"),
    path("offers/<int:pk>/edit/", views_offers.OfferEditView.as_view(), name="offer_edit"),
    # Inventory and audits
    path("inventory/", views_inventory.CampaignListView.as_view(), name="campaign_list"),
    path("inventory/<int:pk>/", views_inventory.CampaignDetailView.as_view(), name="campaign_detail"),
    path("inventory/tasks/<int:pk>/", views_inventory.TaskDetailView.as_view(), name="task_detail"),
    path("inventory/items/<int:pk>/", views_inventory.ItemUpdateView.as_view(), name="item_update"),
    path("audits/", views_inventory.AuditListView.as_view(), name="audit_list"),
    path("audits/<int:pk>/", views_inventory.AuditDetailView.as_view(), name="audit_detail"),
    path("findings/<int:pk>/", views_inventory.FindingView.as_view(), name="finding_edit"),
]
