"""URLs of the division survey (調査票)."""

from django.urls import path

from saiteki.ledger import views_survey as views

urlpatterns: list = [
    path("surveys/", views.SurveyListView.as_view(), name="survey_list"),
    path("surveys/<int:pk>/", views.SurveyDetailView.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/download/", views.SurveyDownloadAllView.as_view(), name="survey_download_all"),
    path("surveys/responses/<int:pk>/", views.SurveyResponseView.as_view(), name="survey_response"),
    path(
        "surveys/responses/<int:pk>/download/",
        views.SurveyDownloadView.as_view(),
        name="survey_response_download",
    ),
    path(
        "surveys/<int:pk>/non-responders/",
        views.SurveyNonRespondersExportView.as_view(),
        name="survey_non_responders_export",
    ),
    path(
        "surveys/responses/<int:pk>/return/",
        views.SurveyResponseReturnView.as_view(),
        name="survey_response_return",
    ),
    path(
        "surveys/responses/<int:pk>/apply/",
        views.SurveyResponseApplyView.as_view(),
        name="survey_response_apply",
    ),
]
