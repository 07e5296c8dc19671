"""Where to go after a POST: the page the form came from, never another site."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_target(request, target: str | None, fallback: str) -> str:
    """``target`` when it is a URL of this site, else ``fallback``.

    Forms post a ``next`` so the officer returns to the list they came from. Taken as it is, a crafted
    link could send them from the prefecture's own tool to a look-alike login page (an open redirect).
    """
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_back(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to the posted ``next`` if it is a URL of this site, else to ``fallback``."""
    return HttpResponseRedirect(safe_target(request, request.POST.get("next"), fallback))
