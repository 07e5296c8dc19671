"""The global search page: one box in the header searches every source the apps registered
(systems, karte entries, articles …) through the registry; core knows none of them by name."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.registry import registry

logger = logging.getLogger("saiteki.search")

PER_SOURCE = 10


def global_search(request):
    """Results grouped by source, in the sources' declared order; each source filters by permission."""
    if perms.role_of(request.user) is None:
        raise PermissionDenied(_("検索する権限がありません。"))
    q = request.GET.get("q", "").strip()[:200]
    groups = []
    if q:
        for source in sorted(registry.search_sources.values(), key=lambda s: (s.order, s.key)):
            try:
                hits = source.search(request.user, q, PER_SOURCE)
            except Exception:  # noqa: BLE001 - one failing source must not hide the others' results
                logger.exception("search source %s failed", source.key)
                hits = []
            groups.append({"key": source.key, "label": source.label, "hits": hits})
    return render(
        request,
        "core/search.html",
        {"title": _("全体検索"), "q": q, "groups": groups, "total": sum(len(g["hits"]) for g in groups)},
    )
