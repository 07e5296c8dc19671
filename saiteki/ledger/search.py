"""Systems and their karte entries as sources of the global search box.

Both follow what the user may see of the ledger: systems through ``restrict(user, "view")`` (a system
owner sees their own 所属's systems), karte entries only on those systems.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


def _words(q: str) -> list[str]:
    return q.replace("\u3000", " ").split()[:5]


def _excerpt(text: str, word: str, width: int = 80) -> str:
    text = " ".join((text or "").split())
    i = text.lower().find(word.lower()) if word else -1
    start = max(0, i - width // 3) if i >= 0 else 0
    return ("…" if start else "") + text[start : start + width] + ("…" if start + width < len(text) else "")


def _systems(user, q: str, limit: int) -> list[reg.SearchHit]:
    from saiteki.ledger.selectors import systems_search

    words = _words(q)
    if not words:
        return []
    hits = []
    for s in systems_search(user=user, text=q).select_related("owning_division")[:limit]:
        in_title = all(w.lower() in f"{s.number} {s.name}".lower() for w in words)
        hits.append(
            reg.SearchHit(
                title=f"{s.number} {s.name}",
                url=s.get_absolute_url(),
                snippet=_excerpt(f"{s.owning_division} ・ {s.business} ・ {s.purpose}", words[0]),
                score=2.0 if in_title else 1.0,
                kind=_("情報システム"),
            )
        )
    hits.sort(key=lambda h: -h.score)
    return hits


def _karte(user, q: str, limit: int) -> list[reg.SearchHit]:
    from django.urls import reverse

    from saiteki.core.models import JournalEntry
    from saiteki.ledger.models import System

    words = _words(q)
    if not words:
        return []
    visible = System.objects.restrict(user, perms.VIEW).values("pk")
    qs = JournalEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(System), object_id__in=visible
    )
    for w in words:
        qs = qs.filter(Q(title__icontains=w) | Q(body__icontains=w))
    entries = list(qs.order_by("-date", "-id")[:limit])
    names = dict(System.objects.filter(pk__in=[e.object_id for e in entries]).values_list("pk", "name"))
    return [
        reg.SearchHit(
            title=f"{e.title}（{names.get(e.object_id, '')}）",
            url=reverse("ledger:system_detail", args=[e.object_id]) + "?tab=karte",
            snippet=_excerpt(e.body, words[0]),
            score=1.0,
            kind=_("カルテ記録"),
        )
        for e in entries
    ]


reg.registry.register_search_source(
    reg.SearchSource(key="ledger.systems", label=_("情報システム"), search=_systems, order=10)
)
reg.registry.register_search_source(
    reg.SearchSource(key="ledger.karte", label=_("カルテ記録"), search=_karte, order=20)
)
