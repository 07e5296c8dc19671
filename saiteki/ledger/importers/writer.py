"""Writing a planned ledger import in bulk, with exactly one history row per changed object.

Per-object saves would cost about ten queries a row (the change log's before-snapshot and its
many-to-many reads, the save, the history insert); a 100,000-row file would take many minutes. So the
rows are written with ``bulk_create``/``bulk_update`` and the history rows are built from the
before/after states the planner already holds, in the change log's own format
(:func:`saiteki.core.changelog.serialize`) through :class:`~saiteki.core.changelog.BulkChangeLog`, under
the pipeline's change context (user, request id, reason) — ADR 0003.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from saiteki.core import context
from saiteki.core.changelog import BulkChangeLog, serialize
from saiteki.core.context import change_context
from saiteki.core.models import ObjectChange
from saiteki.ledger.importers.columns import CHUNK, M2M_MODELS
from saiteki.ledger.models import Cost, System


@dataclass
class SystemAction:
    row: int
    system: System
    creating: bool
    values: dict[str, Any] = field(default_factory=dict)  # attribute → new value
    m2m: dict[str, list] = field(default_factory=dict)  # attribute → objects
    before: dict | None = None  # the change-log snapshot before the change (updates, apply only)


@dataclass
class CostAction:
    row: int
    number: str
    cost: Cost | None
    fiscal_year: int
    category: str
    stage: str
    amount: int | None  # None: delete


def update_many(model, items: list[tuple[Any, list[str]]]) -> None:
    """UPDATE each object's given fields: one ``executemany`` per distinct set of fields.

    Django's ``bulk_update`` builds one CASE expression per field over the whole batch, which grows
    with batch × fields and took most of a 5,000-row apply; a prepared statement executed many times is
    linear and equally all-or-nothing inside the transaction.
    """
    groups: dict[tuple[str, ...], list[Any]] = {}
    names: Any
    for obj, names in items:
        groups.setdefault(tuple(sorted(set(names))), []).append(obj)
    opts = model._meta
    quote = connection.ops.quote_name
    for names, objs in groups.items():
        fields = [opts.get_field(n) for n in names]
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(opts.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in fields),
            quote(opts.pk.column),
        )
        params = [
            [*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields), obj.pk]
            for obj in objs
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


class BulkWriter:
    """The apply half of :class:`~saiteki.ledger.importers.planner.SystemImporter`."""

    system_actions: list[SystemAction]
    cost_actions: list[CostAction]
    report: Any

    def execute(self) -> None:
        """Write the planned changes in bulk, with exactly one history row per changed object.

        Per-object saves would cost about ten queries a row (the change log's before-snapshot and its
        many-to-many reads, the save, the history insert); a 100,000-row file would take many minutes.
        So the rows are written with ``bulk_create``/``bulk_update`` and the history rows are built
        from the before/after states the planner already holds, in the change log's own format
        (:func:`saiteki.core.changelog.serialize`) and under the current change context (user, request
        id, reason). Call inside ``transaction.atomic`` and ``change_context``; the existing rows were
        locked by the re-plan.
        """
        ctx = context.current()
        now: Any = ctx.at or timezone.now()
        history = BulkChangeLog(ctx, now, chunk=CHUNK)
        total = len(self.system_actions) + len(self.cost_actions)
        with change_context(enabled=False):  # the history is written below, once per object
            creates = [a for a in self.system_actions if a.creating]
            updates = [a for a in self.system_actions if not a.creating]
            for start in range(0, len(creates), CHUNK):
                batch = creates[start : start + CHUNK]
                System.objects.bulk_create([a.system for a in batch], batch_size=500)
                self._write_m2m(batch)
                for a in batch:
                    history.add(a.system, ObjectChange.Action.CREATE, None, self._after(a))
                self._progress(start + len(batch), total)
            for start in range(0, len(updates), CHUNK):
                batch = updates[start : start + CHUNK]
                for a in batch:
                    a.system.version = (a.system.version or 0) + 1
                    a.system.updated_at = now
                update_many(System, [(a.system, [*a.values, "version", "updated_at"]) for a in batch])
                self._write_m2m(batch)
                for a in batch:
                    history.add(a.system, ObjectChange.Action.UPDATE, a.before, self._after(a))
                self._progress(len(creates) + start + len(batch), total)
            history.flush()
            self._execute_costs(history, now, done=len(self.system_actions), total=total)
            history.flush()

    def _after(self, action: SystemAction) -> dict:
        data = serialize(action.system, include_m2m=False)
        for attr in M2M_MODELS:
            if attr in action.m2m:
                data[attr] = sorted(o.pk for o in action.m2m[attr])
            else:
                data[attr] = sorted((action.before or {}).get(attr, []))
        return data

    def _write_m2m(self, batch: list[SystemAction]) -> None:
        for attr, model in M2M_MODELS.items():
            changed = [a for a in batch if attr in a.m2m]
            if not changed:
                continue
            through = System._meta.get_field(attr).remote_field.through  # type: ignore[union-attr]
            fk = f"{model._meta.model_name}_id"
            through.objects.filter(system_id__in=[a.system.pk for a in changed if not a.creating]).delete()
            through.objects.bulk_create(
                [through(system_id=a.system.pk, **{fk: o.pk}) for a in changed for o in a.m2m[attr]],
                batch_size=1000,
            )

    def _execute_costs(self, history: BulkChangeLog, now, *, done: int, total: int) -> None:
        by_number = {a.system.number: a.system for a in self.system_actions}
        missing = sorted({a.number for a in self.cost_actions if a.number not in by_number})
        for start in range(0, len(missing), CHUNK):
            by_number.update(
                {s.number: s for s in System.objects.filter(number__in=missing[start : start + CHUNK])}
            )
        created, updated, deleted = [], [], []
        for action in self.cost_actions:
            system = by_number[action.number]
            if action.amount is None:
                if action.cost is not None:
                    deleted.append(action.cost)
            elif action.cost is None:
                created.append(
                    Cost(
                        system=system,
                        fiscal_year=action.fiscal_year,
                        category=action.category,
                        stage=action.stage,
                        amount=action.amount,
                    )
                )
            else:
                cost = action.cost
                before = serialize(cost, include_m2m=False)
                cost.amount = action.amount
                cost.version = (cost.version or 0) + 1
                cost.updated_at = now
                updated.append((cost, before))
        for start in range(0, len(created), CHUNK):
            batch = created[start : start + CHUNK]
            Cost.objects.bulk_create(batch, batch_size=500)
            for cost in batch:
                history.add(
                    cost, ObjectChange.Action.CREATE, None, serialize(cost, include_m2m=False), cost.system
                )
        for start in range(0, len(updated), CHUNK):
            pairs = updated[start : start + CHUNK]
            update_many(Cost, [(c, ["amount", "version", "updated_at"]) for c, _b in pairs])
            for cost, before in pairs:
                history.add(
                    cost, ObjectChange.Action.UPDATE, before, serialize(cost, include_m2m=False), cost.system
                )
        for start in range(0, len(deleted), CHUNK):
            batch = deleted[start : start + CHUNK]
            for cost in batch:
                history.add(
                    cost, ObjectChange.Action.DELETE, serialize(cost, include_m2m=False), None, cost.system
                )
            Cost.objects.filter(pk__in=[c.pk for c in batch]).delete()
        self._progress(total, total)

    def _progress(self, done: int, total: int) -> None:
        if self.report is not None and done % CHUNK == 0 and total:
            self.report(50 + int(done * 49 / total), gettext("%(n)s件を反映しました") % {"n": f"{done:,}"})

    # -- caches --------------------------------------------------------------------------------------------
