from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("suggest/", views.suggest, name="suggest"),
    path("faq/", views.faq, name="faq"),
    path("stats/", views.stats, name="stats"),
    path("articles/add/", views.article_add, name="article_add"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/delete/", views.article_delete, name="article_delete"),
    path("articles/<int:pk>/helpful/", views.article_helpful, name="article_helpful"),
    path("articles/<int:pk>/versions/", views.article_versions, name="article_versions"),
    path("articles/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
]
