"""Permission verbs on querysets (STYLE.md habit 3): access control lives here, never in templates.

``Model.objects.restrict(user, "view")`` returns only what the user may see; ``"change"`` only what
they may edit. The rules themselves (which role may do what, and the division scope of system owners)
are in :mod:`saiteki.core.permissions`; this queryset only applies them.
"""

from __future__ import annotations

from typing import Self

from django.db import models


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> Self:
        from saiteki.core.permissions import scope_queryset

        return scope_queryset(self, user, action)
