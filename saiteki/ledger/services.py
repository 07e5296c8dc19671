"""Writes of the ledger that are more than plain CRUD: the per-system cost grid."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, ParseError, PermissionDeniedError, ValidationFailed
from saiteki.core.money import format_yen, parse_yen
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import Cost, System

#: The cost table's own bounds: amounts fit the ``BigIntegerField`` column, fiscal years its CHECK.
COST_AMOUNT_MAX = 9_223_372_036_854_775_807
COST_FY_MIN = 1989
COST_FY_MAX = 2100


class CostGridConflict(ConflictError):
    """Cells another user changed after this grid was read; ``current`` holds their amounts now."""

    def __init__(self, message=None, *, fields=None, current=None):
        super().__init__(message, fields=fields)
        self.current: dict[tuple[int, str], int | None] = current or {}


def cost_grid_save(
    *,
    user,
    system: System,
    stage: str,
    cells: dict[tuple[int, str], str | int | None],
    unit: str = "円",
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
        for key, value in parsed.items():
            row = existing.get(key)
            if value is None:
                if row is not None:
                    row.delete()
                    counts["deleted"] += 1
            elif row is None:
                Cost.objects.create(
                    system=system, fiscal_year=key[0], category=key[1], stage=stage, amount=value
                )
                counts["created"] += 1
            elif row.amount != value:
                row.amount = value
                row.save()
                counts["updated"] += 1
    return counts


def _unchanged_dropped(parsed, expected, existing):
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
