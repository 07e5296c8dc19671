"""The inbox pages: list (unread first), mark read, e-mail preference. A user only ever sees their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from saiteki.core import notifications
from saiteki.core.errors import NotFoundError
from saiteki.core.views.redirects import safe_target


def inbox(request):
    """The user's notifications, unread first, 50 a page; ``?unread=1`` shows only the unread."""
    unread_only = request.GET.get("unread") == "1"
    qs = notifications.inbox_for(request.user, unread_only=unread_only)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/inbox.html",
        {
            "title": _("お知らせ"),
            "page": page,
            "unread_only": unread_only,
            "unread_total": notifications.unread_count(request.user),
        },
    )


@require_POST
def inbox_read(request, pk: int):
    """Mark one notification read; with ``open`` go on to what it is about."""
    try:
        notification = notifications.notification_mark_read(user=request.user, notification_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc  # someone else's notification does not exist for this user
    fallback = reverse_inbox()
    if request.POST.get("open") and notification.url:
        return HttpResponseRedirect(safe_target(request, notification.url, fallback))
    return HttpResponseRedirect(safe_target(request, request.POST.get("next", ""), fallback))


@require_POST
def inbox_read_all(request):
    count = notifications.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s件を既読にしました。") % {"count": count})
    return HttpResponseRedirect(safe_target(request, request.POST.get("next", ""), reverse_inbox()))


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=gettext_lazy("メールでも受け取る"),
        required=False,
        help_text=gettext_lazy("お知らせが届いたとき、登録されたメールアドレスにも送ります。"),
    )


def inbox_preferences(request):
    pref = notifications.preference_for(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            notifications.notification_preference_set(
                user=request.user, email_enabled=form.cleaned_data["email_enabled"]
            )
            messages.success(request, _("通知設定を保存しました。"))
            return redirect("core:inbox_preferences")
    else:
        form = PreferenceForm(initial={"email_enabled": pref.email_enabled})
    return render(
        request,
        "core/inbox_preferences.html",
        {"title": _("通知設定"), "form": form, "has_email": bool(request.user.email)},
    )


def reverse_inbox() -> str:
    from django.urls import reverse

    return reverse("core:inbox")
