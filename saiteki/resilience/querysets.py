"""Who may read which incidents and BCP documents — decided in the queryset, so every read (pages,
exports, the API, the karte, karte attachments through core's download) applies the same rule.

* **Security incidents**: the policy's division scope (owners: incidents of their own systems), and,
  for roles that see every division's rows, incidents involving personal data only with the
  ``incidents_all`` right (admins, the CIO advisor, auditors). Committee viewers see those incidents
  only as counts (dashboard, KPI), never their details.
* **BCP documents**: a document linked to no system is prefecture-wide — everybody with a role reads
  it; owners also read their own systems' documents. Writing follows the policy (owners: documents of
  their own systems; prefecture-wide ones: admins).
"""

from __future__ import annotations

from typing import Self

from django.db.models import Q

from saiteki.core import permissions as perms
from saiteki.core.querysets import RestrictedQuerySet


class IncidentQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> Self:
        qs = super().restrict(user, action)
        if perms.is_scoped(user, self.model) or perms.has_right(user, perms.INCIDENTS_ALL):
            return qs
        return qs.exclude(personal_data=True)


class DocumentQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> Self:
        qs = super().restrict(user, action)
        if action not in (perms.VIEW, perms.EXPORT, perms.HISTORY) or not perms.is_scoped(user, self.model):
            return qs
        if not perms.role_allows(user, action, self.model):
            return qs
        return self.filter(Q(pk__in=qs.values("pk")) | Q(systems__isnull=True)).distinct()
