from django.urls import path

from . import views

app_name = "reviews"


def _action(name: str):
    return views.CaseActionView.as_view(action=name)


urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/add/", views.CaseCreateView.as_view(), name="case_add"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.CaseEditView.as_view(), name="case_edit"),
    path("cases/<int:pk>/pdf/", views.CasePdfView.as_view(), name="case_pdf"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="case_attachment",
    ),
    *[
        path(f"cases/<int:pk>/{name}/", _action(name), name=f"case_{name}")
        for name in (
            "requested",
            "assess",
            "transition",
            "quotes",
            "attach",
            "opinion",
            "respond",
            "check",
            "evaluate",
            "propose",
            "budget",
        )
    ],
    path("mine/", views.MyCasesView.as_view(), name="my_cases"),
    path("opinions/", views.OpinionQueueView.as_view(), name="opinion_queue"),
    path("proposals/", views.ProposalListView.as_view(), name="proposal_list"),
    path("proposals/adopt/", views.ProposalAdoptView.as_view(), name="proposal_adopt"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="proposal_detail"),
    path("plan/", views.PlanView.as_view(), name="plan"),
    path("exceptions/", views.ExceptionListView.as_view(), name="exception_list"),
    path("rubric/", views.RubricView.as_view(), name="rubric"),
    path("settings/", views.GateSettingView.as_view(), name="gate_setting"),
    path("systems/<int:pk>/", views.SystemReviewsView.as_view(), name="system_reviews"),
]
