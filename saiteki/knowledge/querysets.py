"""Who may read which article — the one place where article visibility is decided.

``Article.objects.visible_to(user)`` is used by every read: lists, the FAQ page, search (page, API,
global search), attachments, related articles, statistics and the karte links. Rules:

- a user without a role this fiscal year sees nothing;
- IT policy admins (the role that may change every article) see every article;
- everybody else sees articles open to all staff, plus restricted articles that name their role, their
  所属, or whose owning 所属 is their own.

Writing is a separate question answered by the policy table (``perms.can(user, "change", article)``):
admins write every article, system owners the articles of their own 所属 (``division_path``), the
advisor, committee viewers and auditors read only.
"""

from __future__ import annotations

from django.db.models import Q

from saiteki.core import permissions as perms
from saiteki.core.querysets import RestrictedQuerySet


class ArticleQuerySet(RestrictedQuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        from saiteki.knowledge.choices import Visibility

        role = perms.role_of(user)
        if role is None:
            return self.none()
        if perms.has_right(user, perms.KNOWLEDGE_ALL):
            return self
        cond = Q(visibility=Visibility.ALL) | Q(visible_roles__contains=f",{role},")
        division = user.current_division
        if division is not None:
            through = self.model.visible_divisions.through
            cond |= Q(owner_division_id=division.pk) | Q(
                pk__in=through.objects.filter(organization_id=division.pk).values("article_id")
            )
        return self.filter(cond)
