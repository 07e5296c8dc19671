"""The machine change log: one immutable row per create/update/delete of a business object."""

from __future__ import annotations

import builtins

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImmutableQuerySet(models.QuerySet):
    """History is sacred: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise PermissionError("ObjectChange rows are immutable")

    def delete(self):
        raise PermissionError("ObjectChange rows are immutable")


class ObjectChange(models.Model):
    """Who changed what, when, from what to what, and why.

    The actor's name and role are copied, not only referenced, so the record stays readable after the
    user is deleted or has rotated to another division (staff rotate every April). The object's type,
    id and text are copied too, so the history of a deleted object is still there.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("作成")
        UPDATE = "update", _("更新")
        DELETE = "delete", _("削除")

    time = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    # No database constraint and no cascade: deleting a user must not touch the (append-only) log.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    user_name = models.CharField(_("利用者"), max_length=150, blank=True)
    role = models.CharField(_("役割"), max_length=40, blank=True)
    request_id = models.UUIDField(_("要求ID"), db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("対象"), max_length=300)
    prechange_data = models.JSONField(_("変更前"), null=True, blank=True)
    postchange_data = models.JSONField(_("変更後"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=500, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"])]
        verbose_name = _("変更履歴")
        verbose_name_plural = _("変更履歴")

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("ObjectChange rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ObjectChange rows are immutable")

    # builtins.object: inside this class, ``object`` names the generic foreign key field.
    def diff(self) -> list[tuple[str, builtins.object, builtins.object]]:
        """(field, before, after) for every field whose value differs."""
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    def diff_display(self) -> list[tuple[str, str, str]]:
        """The diff as people read it, through the one display layer (:mod:`saiteki.core.display`):
        field names, choice labels, names of related objects, 和暦, yen. For a page of rows use
        ``display.changes_for_display``, which names related objects with one query per model."""
        from saiteki.core.display import diff_rows

        return diff_rows(self)


class ObjectChangeLink(models.Model):
    """Links a change to the objects whose history should also show it (e.g. a server's systems).

    Kept as rows rather than one parent column because a server may serve several systems, and kept
    even after the child is deleted, so a system's karte still shows "server X was removed".
    """

    change = models.ForeignKey(ObjectChange, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.change_id} → {self.content_type_id}:{self.object_id}"
