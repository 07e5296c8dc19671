"""Values every page of the shell needs: navigation, the fiscal-year switcher, the user's role."""

from __future__ import annotations

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.notifications import unread_count
from saiteki.core.registry import menu_groups

#: The menu per (role, URL prefix): what a menu item shows depends on the role alone
#: (``MenuItem.visible_to``), and building it — a permission check and a ``reverse()`` per item — cost
#: a third of the shell's time on every page under the load test. Labels stay lazy, so one cached
#: menu serves every language.
_MENUS: dict[tuple[str, str], list[dict]] = {}


def _menu_for(user):
    """The registered menu, filtered to what this user may open. A wrong URL name raises here (and in
    the registry test) instead of silently hiding the entry."""
    key = (perms.role_of(user) or "", get_script_prefix())
    menu = _MENUS.get(key)
    if menu is None:
        menu = []
        for group in menu_groups():
            items = [
                {"label": item.label, "url": reverse(item.url_name)}
                for item in group.items
                if item.visible_to(user)
            ]
            if items:
                menu.append({"label": group.label, "items": items})
        _MENUS[key] = menu
    return menu


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
        "selected_fiscal_year_label": fy_text(fy) if fy else "",
        "fiscal_year_choices": [(y, fy_text(y)) for y in years],
        "user_role": role,
        "user_role_label": assignment.get_role_display()
        if assignment
        else (_("管理者") if user.is_superuser else _("役割なし")),
        "user_division": assignment.division if assignment else None,
        "inbox_unread": unread_count(user),
    }
