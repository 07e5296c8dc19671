"""What the review pages share: the fiscal year asked for, the view check, the case as the user may
see it, and the redirect after a write (with its message, or the error's messages)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError, ParseError
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.money import parse_yen
from saiteki.reviews import selectors
from saiteki.reviews.models import ReviewCase


def fiscal_year_param(request) -> int:
    """The ``fiscal_year`` of the query or form (in range), else the year the user works in."""
    raw = request.GET.get("fiscal_year") or request.POST.get("fiscal_year")
    if raw and str(raw).isdigit() and 1989 <= int(raw) <= 2100:
        return int(raw)
    return getattr(request, "fiscal_year", None) or fiscal_year_of(timezone.localdate())


def require_view(user, model) -> None:
    """Refuse the page unless the role may view ``model`` at all (row rules come from the selectors)."""
    if not perms.role_allows(user, perms.VIEW, model):
        raise PermissionDenied(_("この画面を表示する権限がありません。"))


def case_get(request, pk: int) -> ReviewCase:
    """The case if the user may see it, else 404 (no hint that it exists)."""
    return get_object_or_404(selectors.case_detail_queryset(request.user), pk=pk)


def done(request, case_or_url, message: str | None = None):
    """Redirect after a successful write (post/redirect/get), with the success message."""
    if message:
        messages.success(request, message)
    url = case_or_url if isinstance(case_or_url, str) else case_or_url.get_absolute_url()
    return redirect(url)


def failed(request, exc: ApplicationError, url: str):
    """Redirect after a refused write, with the error and each field's message."""
    messages.error(request, str(exc.message))
    for field_errors in exc.fields.values():
        for msg in field_errors:
            messages.error(request, str(msg))
    return redirect(url)


def amount_param(raw: str, field: str) -> int | None:
    """A yen amount as typed (separators, 千円 …); blank is None; a bad one names its field."""
    try:
        return parse_yen(raw) if (raw or "").strip() else None
    except ParseError as exc:
        raise ParseError(exc.message, fields={field: [str(exc.message)]}) from exc
