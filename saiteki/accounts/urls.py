from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path(
        "users/<int:pk>/<slug:action>/",
        views.UserActionView.as_view(),
        name="user_action",
    ),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    # OpenID Connect (docs/deploy.md 「ディレクトリ連携」); the provider is told .../oidc/callback/.
    path("oidc/authenticate/", views.oidc_start, name="oidc_start"),
    path("oidc/callback/", views.oidc_callback, name="oidc_callback"),
    path(
        "directory-groups/", views.DirectoryGroupMappingListView.as_view(), name="directorygroupmapping_list"
    ),
    path(
        "directory-groups/add/",
        views.DirectoryGroupMappingEditView.as_view(),
        name="directorygroupmapping_add",
    ),
    path(
        "directory-groups/<int:pk>/",
        views.DirectoryGroupMappingDetailView.as_view(),
        name="directorygroupmapping_detail",
    ),
    path(
        "directory-groups/<int:pk>/edit/",
        views.DirectoryGroupMappingEditView.as_view(),
        name="directorygroupmapping_edit",
    ),
    path(
        "directory-groups/<int:pk>/delete/",
        views.DirectoryGroupMappingDeleteView.as_view(),
        name="directorygroupmapping_delete",
    ),
    path(
        "directory-groups/<int:pk>/history/",
        views.DirectoryGroupMappingHistoryView.as_view(),
        name="directorygroupmapping_history",
    ),
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/add/", views.OrganizationEditView.as_view(), name="organization_add"),
    path("organizations/<int:pk>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.OrganizationEditView.as_view(), name="organization_edit"),
    path(
        "organizations/<int:pk>/history/",
        views.OrganizationHistoryView.as_view(),
        name="organization_history",
    ),
]
