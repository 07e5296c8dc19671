from django.urls import path

from . import views, views_security

app_name = "resilience"


def crud(prefix: str, name: str, list_view, detail=None, edit=None, delete=None, history=None) -> list:
    """The usual list / add / detail / edit / delete / history routes of one model (the generic views'
    buttons link to ``edit/``, ``delete/`` and ``history/`` relative to the detail page)."""
    out = [path(f"{prefix}/", list_view.as_view(), name=f"{name}_list")]
    if edit is not None:
        out += [
            path(f"{prefix}/add/", edit.as_view(), name=f"{name}_add"),
            path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        ]
    if detail is not None:
        out.append(path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"))
    if delete is not None:
        out.append(path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"))
    if history is not None:
        out.append(path(f"{prefix}/<int:pk>/history/", history.as_view(), name=f"{name}_history"))
    return out


urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("compliance/", views.ComplianceListView.as_view(), name="compliance"),
    path("standards/", views.StandardListView.as_view(), name="backupstandard_list"),
    path("standards/<int:pk>/", views.StandardDetailView.as_view(), name="backupstandard_detail"),
    path("standards/<int:pk>/edit/", views.StandardEditView.as_view(), name="backupstandard_edit"),
    path("standards/<int:pk>/history/", views.StandardHistoryView.as_view(), name="backupstandard_history"),
    path("practices/add/", views.PracticeEditView.as_view(), name="backuppractice_add"),
    path("practices/<int:pk>/edit/", views.PracticeEditView.as_view(), name="backuppractice_edit"),
    path("systems/<int:pk>/restore-tests/", views.RestoreTestRecordView.as_view(), name="restore_test_add"),
    path("recovery/", views.RecoveryView.as_view(), name="recovery"),
    path("documents/<int:pk>/download/", views.document_download, name="bcpdocument_download"),
    *crud(
        "bcp",
        "bcpprofile",
        views.BcpProfileListView,
        views.BcpProfileDetailView,
        views.BcpProfileEditView,
        views.BcpProfileDeleteView,
        views.BcpProfileHistoryView,
    ),
    *crud(
        "documents",
        "bcpdocument",
        views.BcpDocumentListView,
        views.BcpDocumentDetailView,
        views.BcpDocumentEditView,
        views.BcpDocumentDeleteView,
        views.BcpDocumentHistoryView,
    ),
    *crud(
        "drills",
        "bcpdrill",
        views.BcpDrillListView,
        views.BcpDrillDetailView,
        views.BcpDrillEditView,
        views.BcpDrillDeleteView,
        views.BcpDrillHistoryView,
    ),
    *crud(
        "drill-actions",
        "drillaction",
        views.DrillActionListView,
        None,
        views.DrillActionEditView,
        views.DrillActionDeleteView,
    ),
    *crud(
        "incidents",
        "securityincident",
        views_security.SecurityIncidentListView,
        views_security.SecurityIncidentDetailView,
        views_security.SecurityIncidentEditView,
        views_security.SecurityIncidentDeleteView,
        views_security.SecurityIncidentHistoryView,
    ),
    *crud(
        "email-drills",
        "emaildrill",
        views_security.EmailDrillListView,
        views_security.EmailDrillDetailView,
        views_security.EmailDrillEditView,
        views_security.EmailDrillDeleteView,
        views_security.EmailDrillHistoryView,
    ),
    *crud(
        "email-results",
        "emaildrillresult",
        views_security.EmailDrillResultListView,
        None,
        views_security.EmailDrillResultEditView,
        views_security.EmailDrillResultDeleteView,
    ),
    *crud(
        "training",
        "trainingsession",
        views_security.TrainingSessionListView,
        views_security.TrainingSessionDetailView,
        views_security.TrainingSessionEditView,
        views_security.TrainingSessionDeleteView,
        views_security.TrainingSessionHistoryView,
    ),
    *crud(
        "network",
        "networkseparation",
        views_security.NetworkSeparationListView,
        None,
        views_security.NetworkSeparationEditView,
        views_security.NetworkSeparationDeleteView,
        views_security.NetworkSeparationHistoryView,
    ),
]
