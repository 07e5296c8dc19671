"""Automatic change logging for every :class:`ChangeLoggedModel` (NetBox ``core/signals.py`` style).

Signals are used here — and only here — because change logging is platform infrastructure that must
not depend on each service remembering to call it. Business logic never lives in signals.

Within :func:`change_batch` several saves of one object (a form save followed by its many-to-many
update) become one change row, so the history shows one edit, not two half-edits.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from saiteki.core import context
from saiteki.core.models.base import ChangeLoggedModel
from saiteki.core.models.changelog import ObjectChange, ObjectChangeLink


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def serialize(instance: models.Model, *, include_m2m: bool = True) -> dict:
    """A JSON-safe snapshot of an object's business fields (FKs as ids, many-to-many as sorted ids)."""
    exclude = set(getattr(instance, "changelog_exclude", ()))
    data: dict = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.primary_key:
            continue
        data[field.name] = _json_value(getattr(instance, field.attname))
    if include_m2m and instance.pk is not None:
        for field in instance._meta.many_to_many:
            if field.name in exclude:
                continue
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def actor_fields(ctx: context.ChangeContext) -> dict:
    user = ctx.actor()
    if user is None:
        return {"user": None, "user_name": "system", "role": ""}
    return {
        "user": user,
        "user_name": user.get_username(),
        "role": str(getattr(user, "current_role", "") or ""),
    }


def record_change(
    instance: models.Model,
    action: str,
    *,
    before: dict | None,
    after: dict | None,
    related: Iterable[models.Model] = (),
    time: datetime.datetime | None = None,
) -> ObjectChange | None:
    """Write one immutable change row for ``instance`` (skipped when an update changed nothing).

    ``time`` (else the context's ``at``, else now) dates the row when it is written; historical loads
    (demo data, migrated ledgers) use it. A row is never re-dated afterwards: the log is append-only.
    """
    ctx = context.current()
    if not ctx.enabled:
        return None
    if action == ObjectChange.Action.UPDATE and before == after:
        return None
    change = ObjectChange.objects.create(
        time=time or ctx.at or timezone.now(),
        request_id=ctx.request_id,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk,
        object_repr=str(instance)[:300],
        prechange_data=before,
        postchange_data=after,
        reason=ctx.reason[:500],
        **actor_fields(ctx),
    )
    links = [
        ObjectChangeLink(
            change=change,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=obj.pk,
        )
        for obj in related
        if obj is not None and obj.pk is not None
    ]
    if links:
        ObjectChangeLink.objects.bulk_create(links)
    return change


def related_before_and_after(instance: ChangeLoggedModel) -> list[models.Model]:
    """The objects a change is linked to: those related before it (captured by the pre-save and
    pre-m2m handlers) and those related after it, so removing a shared server from a system still
    shows on that system's history."""
    seen: dict = {}
    for obj in [*getattr(instance, "_prechange_related", ()), *instance.changelog_related()]:
        if obj is not None and obj.pk is not None:
            seen.setdefault((type(obj)._meta.concrete_model, obj.pk), obj)
    instance._prechange_related = []
    return list(seen.values())


class BulkChangeLog:
    """Change-log rows for a bulk write, identical to what :func:`saiteki.core.changelog.record_change`
    writes for one save (same snapshot format, actor, request id and reason), inserted in batches.

    An import of 100,000 rows cannot afford the per-save signal path (a before-snapshot query, the
    many-to-many reads and one insert per object); the importer already knows every before and after
    state, so it writes the rows itself with saves' logging switched off, one row per changed object.
    ``related`` is the object whose history should also show the change (a cost row's system).
    """

    def __init__(self, ctx, now: datetime.datetime, *, chunk: int = 1000):
        self.ctx = ctx
        self.now = now
        self.chunk = chunk
        self.actor = actor_fields(ctx)
        self.pending: list[tuple[Any, Any]] = []

    def add(self, obj, action: str, before: dict | None, after: dict | None, related=None) -> None:
        if not self.ctx.enabled:
            return
        change = ObjectChange(
            time=self.now,
            request_id=self.ctx.request_id,
            action=action,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=obj.pk,
            object_repr=str(obj)[:300],
            prechange_data=before,
            postchange_data=after,
            reason=self.ctx.reason[:500],
            **self.actor,
        )
        self.pending.append((change, related))
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        changes = ObjectChange.objects.bulk_create([c for c, _r in self.pending], batch_size=500)
        links = [
            ObjectChangeLink(
                change=change,
                content_type=ContentType.objects.get_for_model(related, for_concrete_model=True),
                object_id=related.pk,
            )
            for change, (_c, related) in zip(changes, self.pending, strict=True)
            if related is not None and related.pk is not None
        ]
        if links:
            ObjectChangeLink.objects.bulk_create(links, batch_size=1000)
        self.pending = []


@contextlib.contextmanager
def change_batch() -> Iterator[None]:
    """Fold every save of one object within the block into a single change row.

    A form save writes the object and then its many-to-many fields; without a batch that would be
    two half-edits in the history. Use inside ``transaction.atomic`` so the rows commit with the data.
    Rows are written at the end of the block, never amended afterwards (the log is append-only).
    """
    ctx = context.current()
    if ctx.pending is not None:
        yield
        return
    pending: dict = {}
    with context.change_context(pending=pending):
        yield
        for instance, action, before, *at in pending.values():
            if instance.pk is None:
                continue
            record_change(
                instance,
                action,
                before=before,
                after=serialize(instance),
                related=related_before_and_after(instance),
                time=at[0] if at else None,
            )


def _key(instance) -> tuple:
    return (type(instance)._meta.concrete_model, instance.pk)


def _touch(ctx: context.ChangeContext, instance, action: str, before: dict | None) -> None:
    # The row is dated when the object was first changed in the batch (a nested ``change_context(at=…)``
    # of a historical load), not when the batch closes.
    pending = ctx.pending
    assert pending is not None  # only called inside a change batch
    key = _key(instance)
    if key in pending:
        _old, first_action, first_before, *first_at = pending[key]
        pending[key] = (instance, first_action, first_before, *first_at)
    else:
        pending[key] = (instance, action, before, ctx.at)


def _tracked(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeLoggedModel)


@receiver(pre_save)
def _snapshot_before_save(sender, instance, raw=False, **kwargs):
    if raw or not _tracked(sender) or not context.current().enabled:
        return
    if instance.pk is None or instance._state.adding:
        instance._prechange = None
        instance._prechange_related = []
        return
    ctx = context.current()
    if ctx.pending is not None and _key(instance) in ctx.pending:
        return  # the batch already holds the state before its first change
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._prechange = serialize(old) if old is not None else None
    instance._prechange_related = old.changelog_related() if old is not None else []


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    ctx = context.current()
    if raw or not _tracked(sender) or not ctx.enabled:
        return
    before = None if created else getattr(instance, "_prechange", None)
    action = ObjectChange.Action.CREATE if created else ObjectChange.Action.UPDATE
    if ctx.pending is not None:
        _touch(ctx, instance, action, before)
        return
    record_change(
        instance, action, before=before, after=serialize(instance), related=related_before_and_after(instance)
    )


@receiver(pre_delete)
def _log_delete(sender, instance, **kwargs):
    ctx = context.current()
    if not _tracked(sender) or not ctx.enabled:
        return
    if ctx.pending is not None:
        ctx.pending.pop(_key(instance), None)
    record_change(
        instance,
        ObjectChange.Action.DELETE,
        before=serialize(instance),
        after=None,
        related=instance.changelog_related(),
    )


@receiver(m2m_changed)
def _log_m2m(sender, instance, action, reverse, **kwargs):
    ctx = context.current()
    if reverse or not isinstance(instance, ChangeLoggedModel) or not ctx.enabled:
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        if ctx.pending is not None:
            if _key(instance) not in ctx.pending:
                _touch(ctx, instance, ObjectChange.Action.UPDATE, serialize(instance))
                instance._prechange_related = instance.changelog_related()
        else:
            instance._m2m_prechange = serialize(instance)
            instance._prechange_related = instance.changelog_related()
    elif action in {"post_add", "post_remove", "post_clear"} and ctx.pending is None:
        record_change(
            instance,
            ObjectChange.Action.UPDATE,
            before=getattr(instance, "_m2m_prechange", None),
            after=serialize(instance),
            related=related_before_and_after(instance),
        )
