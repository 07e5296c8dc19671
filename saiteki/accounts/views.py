"""Login, logout, password change, lockout, users and roles, organisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
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
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
)

from .filtersets import OrganizationFilterSet
from .forms import AssignmentForm, LoginForm, OrganizationForm, UserCreateForm
from .models import Organization, User
from .services import assignment_set


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, plus the security audit record of the change."""

    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(kind=AuditEvent.Kind.PASSWORD_CHANGE, request=self.request, user=self.request.user)
        return response


def lockout_response(request, credentials=None, *args, **kwargs):
    """Shown by django-axes when a user name is locked after repeated failures."""
    form = LoginForm(request)
    message = _(
        "ログインに続けて失敗したため、このアカウントは一時的にロックされています。30分後に再度お試しいただくか、情報政策課にお問い合わせください。"
    )
    return render(request, "registration/login.html", {"form": form, "locked_out": message}, status=403)


def _require_admin(user) -> None:
    if not perms.has_right(user, perms.MANAGE_USERS):
        raise PermissionDenied(_("この操作を行う権限がありません。"))


class UserListView(View):
    def get(self, request):
        _require_admin(request.user)
        users = User.objects.order_by("username").prefetch_related("assignments__division__parent")
        rows = []
        for u in users:
            assignments = sorted(u.assignments.all(), key=lambda a: -a.fiscal_year)
            rows.append((u, assignments[0] if assignments else None))
        return render(
            request,
            "accounts/user_list.html",
            {"title": _("利用者と役割"), "rows": rows, "form": UserCreateForm()},
        )

    def post(self, request):
        _require_admin(request.user)
        form = UserCreateForm(request.POST)
        if form.is_valid():
            user = form.save()
            messages.success(request, _("利用者を登録しました。役割を割り当ててください。"))
            return redirect("accounts:user_detail", pk=user.pk)
        return render(
            request,
            "accounts/user_list.html",
            {"title": _("利用者と役割"), "rows": [], "form": form},
            status=400,
        )


class UserDetailView(View):
    def get(self, request, pk):
        _require_admin(request.user)
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

    def _render(self, request, target, form, status=200):
        assignments = target.assignments.select_related("division__parent").order_by("-fiscal_year")
        return render(
            request,
            "accounts/user_detail.html",
            {"title": str(target), "target": target, "assignments": assignments, "form": form},
            status=status,
        )


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
