"""Writes of the ledger that are more than plain CRUD: the per-system cost grid."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, ParseError, PermissionDeniedError, ValidationFailed
from saiteki.core.money import Unit, format_yen, parse_yen
from saiteki.core.registry import run_guards
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import Cost, System

#: The cost table's own bounds: amounts fit the ``BigIntegerField`` column, fiscal years its CHECK.
COST_AMOUNT_MAX = 9_223_372_036_854_775_807
COST_FY_MIN = 1989
COST_FY_MAX = 2100


class CostGridConflict(ConflictError):
    """Cells another user changed after this grid was read; ``current`` holds their amounts now."""

    def __init__(self, message=None, *, fields=None, current=None) -> None:
        super().__init__(message, fields=fields)
        self.current: dict[tuple[int, str], int | None] = current or {}


def cost_grid_save(
    *,
    user,
    system: System,
    stage: str,
    cells: dict[tuple[int, str], str | int | None],
    unit: Unit = "円",
    reason: str = "",
    expected: dict[tuple[int, str], int | None] | None = None,
) -> dict[str, int]:
    """Save a years × categories grid of one stage, all or nothing.

    ``cells`` maps (fiscal year, category) to the typed text (「1,234」「１２３４」「△0」) or None. A
    blank cell deletes the amount; an unreadable cell rejects the whole grid with its position.

    ``expected`` is the amount each cell had when the grid was read (optimistic concurrency per cell,
    like the version on the system form). A cell whose value equals what was read is left alone, so a
    stale form never overwrites or deletes what someone else saved in another cell since; a cell the
    user changed while someone else also changed it is refused as a conflict naming the amount now
    stored. Without ``expected`` (API-style callers) every cell is written as given.
    """
    if not perms.can(user, perms.CHANGE, system):
        raise PermissionDeniedError()
    if stage not in CostStage.values:
        raise ValidationFailed(_("段階を選択してください。"))
    parsed: dict[tuple[int, str], int | None] = {}
    errors: dict[str, list[str]] = {}
    for (fy, category), raw in cells.items():
        if category not in CostCategory.values:
            raise ValidationFailed(_("経費区分が正しくありません。"))
        key = f"c_{fy}_{category}"
        try:
            value = parse_yen(raw, unit=unit) if raw not in (None, "") else None
        except ParseError as exc:
            errors[key] = [str(exc)]
            continue
        if value is not None and value < 0:
            errors[key] = [_("金額に負の値は入力できません。")]
            continue
        if value is not None and value > COST_AMOUNT_MAX:
            errors[key] = [
                _("金額が大きすぎます（上限は%(max)sです）。") % {"max": format_yen(COST_AMOUNT_MAX)}
            ]
            continue
        if value is not None and not COST_FY_MIN <= fy <= COST_FY_MAX:
            errors[key] = [
                _("経費の年度は%(min)s年度～%(max)s年度で入力してください。")
                % {"min": COST_FY_MIN, "max": COST_FY_MAX}
            ]
            continue
        parsed[(fy, category)] = value
    if errors:
        raise ValidationFailed(_("経費を保存できませんでした。赤枠の欄を確認してください。"), fields=errors)
    counts = {"created": 0, "updated": 0, "deleted": 0}
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        # Serialise grid saves of one system: the second writer reads the first one's rows.
        System.objects.select_for_update().filter(pk=system.pk).values_list("pk", flat=True).first()
        existing = {(c.fiscal_year, c.category): c for c in Cost.objects.filter(system=system, stage=stage)}
        if expected is not None:
            parsed, conflicts = _unchanged_dropped(parsed, expected, existing)
            if conflicts:
                raise CostGridConflict(
                    _(
                        "他の利用者が同じ欄を先に更新しました。入力した値は残してあります。"
                        "現在の値を確認してから、もう一度保存してください。"
                    ),
                    fields={
                        f"c_{fy}_{cat}": [
                            _("他の利用者が変更しました（現在の値: %(value)s）。")
                            % {"value": format_yen(now) if now is not None else _("未登録")}
                        ]
                        for (fy, cat), now in conflicts.items()
                    },
                    current=conflicts,
                )
        memo: dict = {}
        for cell, value in parsed.items():
            row = existing.get(cell)
            if value is not None and (row is None or row.amount != value):
                cost_write_check(
                    user=user,
                    system=system,
                    fiscal_year=int(cell[0]),
                    stage=stage,
                    category=cell[1],
                    memo=memo,
                )
            if value is None:
                if row is not None:
                    row.delete()
                    counts["deleted"] += 1
            elif row is None:
                Cost.objects.create(
                    system=system, fiscal_year=cell[0], category=cell[1], stage=stage, amount=value
                )
                counts["created"] += 1
            elif row.amount != value:
                row.amount = value
                row.save()
                counts["updated"] += 1
    return counts


def _unchanged_dropped(
    parsed: dict[tuple[int, str], int | None],
    expected: dict[tuple[int, str], int | None],
    existing: dict[tuple[int, str], Cost],
) -> tuple[dict[tuple[int, str], int | None], dict[tuple[int, str], int | None]]:
    """Keep only the cells the user changed; report those someone else changed meanwhile."""
    changed: dict[tuple[int, str], int | None] = {}
    conflicts: dict[tuple[int, str], int | None] = {}
    for key, value in parsed.items():
        if key not in expected:
            changed[key] = value
            continue
        read = expected[key]
        if value == read:
            continue  # untouched by this user: whatever is stored now stays
        row = existing.get(key)
        now = row.amount if row is not None else None
        if now != read and now != value:
            conflicts[key] = now
        changed[key] = value
    return changed, conflicts


# --- Write guards: other capabilities constrain these writes (saiteki.core.registry.run_guards) ------
# Points and their context (documented for the apps that register guards, e.g. the review gate):
COST_WRITE_POINT = "ledger.cost_write"  #: user, system, fiscal_year, stage, category (None: several), memo
CONTRACT_WRITE_POINT = "ledger.contract_write"  #: user, contract (values to write), systems, memo


def cost_write_check(*, user, system, fiscal_year: int, stage: str, category: str | None, memo=None) -> None:
    """Before a cost amount is created or changed: every registered guard may refuse (ApplicationError).

    Called by the cost grid, the API and the import (once per system, year and stage) inside their
    transaction, so a refusal changes nothing. ``memo`` is shared by the calls of one bulk write."""
    run_guards(
        COST_WRITE_POINT,
        user=user,
        system=system,
        fiscal_year=fiscal_year,
        stage=stage,
        category=category,
        memo=memo if memo is not None else {},
    )


def contract_write_check(*, user, contract, systems, values=None, memo=None) -> None:
    """Before a contract is created or changed (form, API, import): the guards may refuse.

    ``values`` (field → value) are applied to a copy of ``contract`` first, for callers that validate
    before the instance is updated (the API serializer)."""
    import copy

    candidate = copy.copy(contract)
    for name, value in (values or {}).items():
        if name != "systems":
            setattr(candidate, name, value)
    run_guards(
        CONTRACT_WRITE_POINT,
        user=user,
        contract=candidate,
        systems=list(systems or []),
        memo=memo if memo is not None else {},
    )


# --- Shared servers and contracts: one rule for forms, the API and the import -----------------------


def _systems_of(values) -> list[System]:
    """Systems from instances or primary keys, in the given order, without duplicates."""
    items = list(values or [])
    pks = [v.pk if isinstance(v, System) else int(v) for v in items]
    loaded = {s.pk: s for s in System.objects.filter(pk__in=pks)}
    seen: dict[int, System] = {}
    for pk in pks:
        if pk in loaded and pk not in seen:
            seen[pk] = loaded[pk]
    return list(seen.values())


def system_links_merge(*, user, obj, requested) -> list[System]:
    """The systems a shared server or contract links to after ``user`` asked for ``requested``.

    A system owner's write never touches another division's links: the result is
    (requested ∩ own systems) ∪ (existing links ∩ other divisions' systems). Another division's system
    may appear in ``requested`` only when it is already linked (a client echoing back what it read);
    adding a new one, or leaving the object with no system at all (nobody scoped could see it
    afterwards), is refused. Admins get exactly what they asked for. Forms, serializers and the import
    call this, so the three cannot drift apart.
    """
    wanted = _systems_of(requested)
    if not perms.is_scoped(user, type(obj)):
        return wanted
    own = set(perms.division_ids(user))
    existing = list(obj.systems.all()) if obj.pk else []
    existing_ids = {s.pk for s in existing}
    foreign = [s for s in wanted if s.owning_division_id not in own and s.pk not in existing_ids]
    if foreign:
        raise ValidationFailed(
            _("自所属以外のシステムは指定できません。"),
            fields={"systems": [_("%(name)s は自所属のシステムではありません。") % {"name": foreign[0]}]},
        )
    merged = [s for s in wanted if s.owning_division_id in own]
    merged += [s for s in existing if s.owning_division_id not in own]
    if not merged:
        raise ValidationFailed(
            _("自所属のシステムを1つ以上選択してください。"),
            fields={"systems": [_("自所属のシステムを1つ以上選択してください。")]},
        )
    return merged


def shared_delete_check(*, user, obj) -> None:
    """Refuse a system owner's delete of a server or contract that other divisions' systems also use.

    Deleting it would remove it from their ledger too; only the IT policy division may do that.
    """
    if not perms.is_scoped(user, type(obj)):
        return
    others = perms.object_division_ids(obj) - set(perms.division_ids(user))
    if others:
        raise PermissionDeniedError(
            _(
                "他の所属のシステムでも使われているため削除できません。"
                "自所属のシステムとの関連付けを外すか、情報政策課に削除を依頼してください。"
            ),
            code="shared_object",
        )


def component_server_check(*, user, system: System | None, server) -> None:
    """A component may run only on a server its editor can see (an owner: one of their division's)."""
    if server is None or not perms.is_scoped(user, type(server)):
        return
    if not perms.can(user, perms.VIEW, server):
        raise ValidationFailed(
            _("自所属以外のサーバは指定できません。"),
            fields={"server": [_("自所属のシステムが使うサーバを選択してください。")]},
        )


def system_retire_propose(*, user, system: System, reason: str) -> System:
    """A system owner's way to end a system: set its status to 廃止 with a reason, and leave a karte
    proposal so the IT policy division sees it. Deleting a system (and its history of costs,
    contracts and reviews) is kept for holders of ``perms.DELETE_SYSTEMS``."""
    from saiteki.core.services import journal_entry_create
    from saiteki.ledger.choices import LifecycleStatus

    if not perms.can(user, perms.CHANGE, system):
        raise PermissionDeniedError()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("廃止の理由を入力してください。"), fields={"reason": [_("廃止の理由を入力してください。")]}
        )
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        system.status = LifecycleStatus.RETIRED
        system.full_clean()
        system.save()
        journal_entry_create(
            obj=system,
            author=user,
            kind="proposal",
            date=timezone.localdate(),
            title=_("廃止の申出"),
            body=reason,
        )
    return system


def system_delete_check(*, user, system: System) -> None:
    """Only holders of ``perms.DELETE_SYSTEMS`` delete a system; owners propose 廃止 instead."""
    if not perms.has_right(user, perms.DELETE_SYSTEMS):
        raise PermissionDeniedError(
            _(
                "システムの削除は情報政策課が行います。廃止する場合は「廃止の申出」から理由を添えて申し出てください。"
            ),
            code="delete_systems",
        )
