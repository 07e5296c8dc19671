"""Login, logout, password change, lockout, users and roles, organisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.audit import audit_event_record
from saiteki.core.errors import ApplicationError
from saiteki.core.models import AuditEvent
from saiteki.core.tables import Column, Table
from saiteki.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
)

from .choices import AuthSource
from .filtersets import OrganizationFilterSet
from .forms import (
    AssignmentForm,
    DirectoryGroupMappingForm,
    LoginForm,
    OrganizationForm,
    PasswordResetForm,
    UserCreateForm,
)
from .models import DirectoryGroupMapping, Organization, User
from .selectors import locked_usernames, token_expires_at, tokens_for
from .services import (
    assignment_set,
    user_active_set,
    user_create,
    user_password_reset,
    user_tokens_revoke,
    user_unlock,
)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from . import directory

        context = super().get_context_data(**kwargs)
        context["ldap_enabled"] = directory.ldap_enabled()
        if directory.oidc_enabled():
            context["oidc_login_label"] = directory.oidc_login_label()
        return context


def oidc_start(request):
    """Start the OpenID Connect code flow (404 while OIDC is not configured)."""
    from mozilla_django_oidc.views import OIDCAuthenticationRequestView

    from . import directory

    if not directory.oidc_enabled():
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


def oidc_callback(request):
    """The provider sends the browser back here; a refusal goes back to the login page with the reason."""
    from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

    from . import directory

    if not directory.oidc_enabled():
        raise Http404

    class Callback(OIDCAuthenticationCallbackView):
        def login_failure(self):
            denied = getattr(self.request, directory.DENIAL_ATTR, None)
            messages.error(
                self.request,
                denied["message"]
                if denied
                else _("OpenID Connect でのログインに失敗しました。もう一度お試しください。"),
            )
            return redirect("accounts:login")

    return Callback.as_view()(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, plus the security audit record of the change and the rotation of API tokens
    (a token issued under the old password must not outlive it)."""

    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(kind=AuditEvent.Kind.PASSWORD_CHANGE, request=self.request, user=self.request.user)
        user_tokens_revoke(
            user=self.request.user, actor=self.request.user, request=self.request, why="password_change"
        )
        return response


def lockout_response(request, credentials=None, *args, **kwargs):
    """Shown by django-axes when a user name is locked after repeated failures (JSON for the API)."""
    message = _(
        "ログインに続けて失敗したため、このアカウントは一時的にロックされています。30分後に再度お試しいただくか、情報政策課にお問い合わせください。"
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": str(message), "fields": {}}},
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    form = LoginForm(request)
    return render(request, "registration/login.html", {"form": form, "locked_out": message}, status=403)


def _require_admin(user) -> None:
    if not perms.has_right(user, perms.MANAGE_USERS):
        raise PermissionDenied(_("この操作を行う権限がありません。"))


def _require_reader(user) -> None:
    """Administrators manage users; auditors read who held which role (read-only)."""
    if not perms.has_right(user, perms.READ_USERS):
        raise PermissionDenied(_("利用者と役割を表示する権限がありません。"))


class UserListView(View):
    def get(self, request, form=None, status=200):
        _require_reader(request.user)
        users = User.objects.order_by("username").prefetch_related("assignments__division__parent")
        locked = locked_usernames(usernames=[u.username for u in users])
        rows = []
        for u in users:
            assignments = sorted(u.assignments.all(), key=lambda a: -a.fiscal_year)
            rows.append((u, assignments[0] if assignments else None, u.username in locked))
        can_manage = perms.has_right(request.user, perms.MANAGE_USERS)
        return render(
            request,
            "accounts/user_list.html",
            {
                "title": _("利用者と役割"),
                "rows": rows,
                "form": (form or UserCreateForm()) if can_manage else None,
                "can_manage": can_manage,
            },
            status=status,
        )

    def post(self, request):
        _require_admin(request.user)
        form = UserCreateForm(request.POST)
        if form.is_valid():
            try:
                user = user_create(
                    actor=request.user,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    display_name=form.cleaned_data.get("display_name", ""),
                    email=form.cleaned_data.get("email", ""),
                    request=request,
                )
            except ApplicationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("利用者を登録しました。役割を割り当ててください。"))
                return redirect("accounts:user_detail", pk=user.pk)
        return self.get(request, form=form, status=400)


def _errors_to_form(form, exc: ApplicationError) -> None:
    for field, msgs in exc.fields.items():
        for m in msgs:
            form.add_error(field if field in form.fields else None, m)
    if not exc.fields:
        form.add_error(None, str(exc.message))


class UserDetailView(View):
    def get(self, request, pk):
        _require_reader(request.user)
        target = get_object_or_404(User, pk=pk)
        form = AssignmentForm(initial={"fiscal_year": request.fiscal_year})
        return self._render(request, target, form)

    def post(self, request, pk):
        _require_admin(request.user)
        target = get_object_or_404(User, pk=pk)
        form = AssignmentForm(request.POST)
        if form.is_valid():
            try:
                assignment_set(
                    actor=request.user,
                    user=target,
                    fiscal_year=form.cleaned_data["fiscal_year"],
                    role=form.cleaned_data["role"],
                    division=form.cleaned_data["division"],
                    request=request,
                )
            except ApplicationError as exc:
                for field, msgs in exc.fields.items():
                    for m in msgs:
                        form.add_error(field if field in form.fields else None, m)
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("役割を割り当てました。"))
                return redirect("accounts:user_detail", pk=target.pk)
        return self._render(request, target, form, status=400)

    @staticmethod
    def _render(request, target, form, status=200, password_form=None):
        assignments = target.assignments.select_related("division__parent").order_by("-fiscal_year")
        can_manage = perms.has_right(request.user, perms.MANAGE_USERS)
        tokens = [(t, token_expires_at(t)) for t in tokens_for(user=target)] if can_manage else []
        return render(
            request,
            "accounts/user_detail.html",
            {
                "title": str(target),
                "target": target,
                "assignments": assignments,
                "form": form if can_manage else None,
                "password_form": (password_form or PasswordResetForm()) if can_manage else None,
                "can_manage": can_manage,
                "locked": bool(locked_usernames(usernames=[target.username])),
                "tokens": tokens,
            },
            status=status,
        )


class UserActionView(View):
    """Administrator actions on one account: unlock, password reset, deactivate/activate, revoke tokens."""

    def post(self, request, pk, action):
        _require_admin(request.user)
        target = get_object_or_404(User, pk=pk)
        try:
            if action == "unlock":
                user_unlock(actor=request.user, user=target, request=request)
                messages.success(request, _("ロックを解除しました。"))
            elif action == "password":
                form = PasswordResetForm(request.POST)
                if not form.is_valid():
                    return UserDetailView._render(
                        request, target, AssignmentForm(), status=400, password_form=form
                    )
                try:
                    user_password_reset(
                        actor=request.user,
                        user=target,
                        password=form.cleaned_data["password"],
                        request=request,
                    )
                except ApplicationError as exc:
                    if target.auth_source != AuthSource.LOCAL:
                        raise  # no password form on a directory user's page: the message goes on top
                    _errors_to_form(form, exc)
                    return UserDetailView._render(
                        request, target, AssignmentForm(), status=400, password_form=form
                    )
                messages.success(request, _("パスワードを再設定しました。APIトークンは失効しました。"))
            elif action == "deactivate":
                user_active_set(actor=request.user, user=target, active=False, request=request)
                messages.success(request, _("利用者を無効にしました。APIトークンは失効しました。"))
            elif action == "activate":
                user_active_set(actor=request.user, user=target, active=True, request=request)
                messages.success(request, _("利用者を有効にしました。"))
            elif action == "revoke-tokens":
                user_tokens_revoke(user=target, actor=request.user, request=request, why="revoked_by_admin")
                messages.success(request, _("APIトークンを失効させました。"))
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        return redirect("accounts:user_detail", pk=target.pk)


class TokenListView(View):
    """The user's own API tokens: when issued, when they expire, and a button to revoke them."""

    def get(self, request):
        tokens = [(t, token_expires_at(t)) for t in tokens_for(user=request.user)]
        return render(request, "accounts/token_list.html", {"title": _("APIトークン"), "tokens": tokens})

    def post(self, request):
        count = user_tokens_revoke(
            user=request.user, actor=request.user, request=request, why="revoked_by_user"
        )
        if count:
            messages.success(request, _("APIトークンを失効させました。"))
        return redirect("accounts:token_list")


ORGANIZATION_TABLE = Table(
    columns=[
        Column("code", gettext_lazy("組織コード"), link=True),
        Column("name", gettext_lazy("名称"), link=True),
        Column("kind", gettext_lazy("種別"), kind="choice"),
        Column("parent", gettext_lazy("上位組織"), accessor="parent.name", order_by="parent__name"),
        Column("valid_from", gettext_lazy("設置日"), kind="date"),
        Column("valid_to", gettext_lazy("廃止日"), kind="date"),
    ],
    default_order="sort_order",
    select_related=("parent",),
)


class OrganizationListView(ObjectListView):
    model = Organization
    table = ORGANIZATION_TABLE
    filterset_class = OrganizationFilterSet
    title = gettext_lazy("組織（部局・所属）")


class OrganizationDetailView(ObjectDetailView):
    model = Organization
    fields = ("code", "name", "kind", "parent", "valid_from", "valid_to", "predecessors")
    template_name = "accounts/organization_detail.html"

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        context["former_names"] = obj.former_names.all()
        context["children"] = obj.children.all()
        return context


class OrganizationEditView(ObjectEditView):
    model = Organization
    form_class = OrganizationForm


class OrganizationHistoryView(ObjectHistoryView):
    model = Organization


# --- Directory group → role mapping (管理 › ディレクトリのグループ対応) --------------------------------------


class _UsersRightRequired:
    """Who holds which role is the users page's business: administrators edit the mapping (the master
    data policy), auditors read it, other roles do not see it."""

    def dispatch(self, request, *args, **kwargs):
        _require_reader(request.user)
        return super().dispatch(request, *args, **kwargs)


DIRECTORY_MAPPING_TABLE = Table(
    columns=[
        Column("group_name", gettext_lazy("グループ"), link=True),
        Column("source", gettext_lazy("ディレクトリ"), kind="choice"),
        Column("role", gettext_lazy("役割"), kind="choice"),
        Column("division", gettext_lazy("所属"), accessor="division.name", order_by="division__name"),
        Column("priority", gettext_lazy("優先順位"), kind="number"),
        Column("is_active", gettext_lazy("有効"), kind="bool"),
        Column("note", gettext_lazy("備考")),
    ],
    default_order="priority",
    select_related=("division",),
)


class DirectoryGroupMappingListView(_UsersRightRequired, ObjectListView):
    model = DirectoryGroupMapping
    table = DIRECTORY_MAPPING_TABLE
    title = gettext_lazy("ディレクトリのグループ対応")
    template_name = "accounts/directorygroupmapping_list.html"

    def extra_context(self, request) -> dict:
        from . import directory

        return {"ldap_enabled": directory.ldap_enabled(), "oidc_enabled": directory.oidc_enabled()}


class DirectoryGroupMappingDetailView(_UsersRightRequired, ObjectDetailView):
    model = DirectoryGroupMapping
    fields = ("source", "group_name", "role", "division", "priority", "is_active", "note")

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        context["fields"] = [
            (label, (_("はい") if value else _("いいえ")) if isinstance(value, bool) else value)
            for label, value in context["fields"]
        ]
        return context


class DirectoryGroupMappingEditView(_UsersRightRequired, ObjectEditView):
    model = DirectoryGroupMapping
    form_class = DirectoryGroupMappingForm


class DirectoryGroupMappingDeleteView(_UsersRightRequired, ObjectDeleteView):
    model = DirectoryGroupMapping


class DirectoryGroupMappingHistoryView(_UsersRightRequired, ObjectHistoryView):
    model = DirectoryGroupMapping
