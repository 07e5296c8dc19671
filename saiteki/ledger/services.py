"""Writes of the ledger that are more than plain CRUD: the per-system cost grid."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ParseError, PermissionDeniedError, ValidationFailed
from saiteki.core.money import parse_yen
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import Cost, System


def cost_grid_save(
    *,
    user,
    system: System,
    stage: str,
    cells: dict[tuple[int, str], str | int | None],
    unit: str = "円",
    reason: str = "",
) -> dict[str, int]:
    """Save a years × categories grid of one stage, all or nothing.

    ``cells`` maps (fiscal year, category) to the typed text (「1,234」「１２３４」「△0」) or None. A
    blank cell deletes the amount; an unreadable cell rejects the whole grid with its position.
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
        try:
            value = parse_yen(raw, unit=unit) if raw not in (None, "") else None
        except ParseError as exc:
            errors[f"c_{fy}_{category}"] = [str(exc)]
            continue
        if value is not None and value < 0:
            errors[f"c_{fy}_{category}"] = [_("金額に負の値は入力できません。")]
            continue
        parsed[(fy, category)] = value
    if errors:
        raise ValidationFailed(_("経費を保存できませんでした。赤枠の欄を確認してください。"), fields=errors)
    existing = {(c.fiscal_year, c.category): c for c in Cost.objects.filter(system=system, stage=stage)}
    counts = {"created": 0, "updated": 0, "deleted": 0}
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
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
