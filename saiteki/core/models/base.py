"""Base models for business data.

Every business object inherits :class:`BusinessModel`: timestamps, an integer ``version`` for optimistic
concurrency (ETag / If-Match and the hidden version field on edit forms), automatic change logging
(see :mod:`saiteki.core.changelog`) and a queryset with permission verbs. Capabilities are mixins, as in
NetBox's ``models/features.py``, so a later app picks what it needs.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saiteki.core.querysets import RestrictedQuerySet


class ChangeLoggedModel(models.Model):
    """A model whose every create/update/delete is written to :class:`~saiteki.core.models.ObjectChange`.

    Subclasses may override :meth:`changelog_related` to name the objects whose history page should
    also show this object's changes (a server's systems, a cost row's system): that is how the karte
    shows the history of a system and all its child objects in one timeline.
    """

    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    version = models.PositiveIntegerField(
        _("版"), default=1, editable=False, help_text=_("同時編集の検出に使う版番号。更新のたびに増えます。")
    )

    # Fields never shown in before/after diffs (noise, not business data).
    changelog_exclude: tuple[str, ...] = ("created_at", "updated_at", "version")
    # Set by the change-log signal handlers (saiteki.core.changelog) between the pre- and post-save
    # signals: the objects this one was related to before the change. Declared only, never a field.
    _prechange_related: list[models.Model]

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # The version is infrastructure, not business logic: it lets a second writer get a conflict
        # instead of silently overwriting (SPEC §4 "concurrent edits never lose an update").
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    def changelog_related(self) -> list[models.Model]:
        """Objects whose history should include this object's changes."""
        return []


class BusinessModel(ChangeLoggedModel):
    """Change-logged, permission-aware business object.

    ``division_path`` names the lookup from this model to the owning 所属 (``Organization``) so the
    queryset can restrict system owners to their own division's objects (None: not division-owned,
    only admins write it). ``url_namespace`` is the URL namespace of the object's pages.
    """

    division_path: str | None = None

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
