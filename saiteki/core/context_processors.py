"""Values every page of the shell needs: navigation, the fiscal-year switcher, the user's role."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts import permissions as perms
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.navigation import MENU


def _menu_for(user):
    groups = []
    for group in MENU:
        items = []
        for item in group["items"]:
            if item.get("permission") and not item["permission"](user):
                continue
            try:
                url = reverse(item["url"])
            except NoReverseMatch:
                continue  # the capability's app is not installed yet
            items.append({"label": item["label"], "url": url})
        if items:
            groups.append({"label": group["label"], "items": items})
    return groups


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    fy = getattr(request, "fiscal_year", None)
    current = getattr(request, "current_fiscal_year", fy)
    years = list(range(current + 1, current - 11, -1)) if current else []
    role = perms.role_of(user)
    assignment = user.assignment
    return {
        "nav_menu": _menu_for(user),
        "selected_fiscal_year": fy,
        "selected_fiscal_year_label": fiscal_year_label(fy) if fy else "",
        "fiscal_year_choices": [(y, fiscal_year_label(y)) for y in years],
        "user_role": role,
        "user_role_label": assignment.get_role_display()
        if assignment
        else (_("管理者") if user.is_superuser else _("役割なし")),
        "user_division": assignment.division if assignment else None,
    }
