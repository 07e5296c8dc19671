"""System evaluation (C): scoring a case on the rubric, the default rubric, and the year's plan of
systems due for evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ValidationFailed
from saiteki.reviews.choices import CaseKind, Disposition
from saiteki.reviews.models import (
    Evaluation,
    EvaluationPlanItem,
    EvaluationScore,
    ReviewCase,
    RubricCriterion,
)

from .common import require_right


def evaluation_save(
    *,
    user,
    case: ReviewCase,
    scores: Mapping[int, tuple[int, str]],
    disposition: str,
    summary: str = "",
) -> Evaluation:
    """Score a C case on the rubric; the weighted score (1–5) is computed."""
    require_right(user, perms.REVIEW_DECIDE)
    if case.kind != CaseKind.EVALUATION:
        raise ValidationFailed(_("システム評価（C）の案件で入力します。"))
    if disposition and disposition not in Disposition.values:
        raise ValidationFailed(fields={"disposition": [_("評価結果を選択してください。")]})
    criteria = {c.pk: c for c in RubricCriterion.objects.filter(active=True)}
    errors = {
        f"s_{pk}": [_("1〜5で入力してください。")]
        for pk, (s, _n) in scores.items()
        if s is not None and not 1 <= s <= 5
    }
    if errors:
        raise ValidationFailed(_("評価点を保存できませんでした。"), fields=errors)
    with transaction.atomic(), change_context(user=user), change_batch():
        evaluation, _created = Evaluation.objects.get_or_create(case=case)
        for pk, (score, note) in scores.items():
            if pk not in criteria:
                continue
            if score is None:
                EvaluationScore.objects.filter(evaluation=evaluation, criterion_id=pk).delete()
                continue
            row = EvaluationScore.objects.filter(evaluation=evaluation, criterion_id=pk).first()
            if row is None:
                EvaluationScore.objects.create(
                    evaluation=evaluation, criterion=criteria[pk], score=score, note=note or ""
                )
            elif (row.score, row.note) != (score, note or ""):
                row.score, row.note = score, note or ""
                row.save()
        evaluation.disposition = disposition or ""
        evaluation.summary = summary or ""
        evaluation.score = evaluation_score(evaluation)
        evaluation.save()
    return evaluation


#: The default rubric (also created by migration 0002): name, basis, weight, guidance for 1–5.
DEFAULT_RUBRIC = (
    (
        "類似システムとの経費比較",
        "cost_peers",
        3,
        "5: 類似システムの中央値より2割以上安い／3: 中央値程度／1: 中央値の1.5倍以上",
    ),
    (
        "サーバの利用率",
        "utilisation",
        2,
        "5: CPU・メモリの平均利用率が適正（30〜70%）／3: 低いが集約予定あり／1: 10%未満で集約予定なし",
    ),
    (
        "共通基盤の利用",
        "common_platform",
        2,
        "5: 共通基盤・クラウド・統合認証を利用／3: 一部利用／1: 単独の物理サーバで利用予定なし",
    ),
    (
        "セキュリティ",
        "security",
        2,
        "5: ポリシーに沿い監査指摘なし／3: 軽微な指摘あり／1: 重大な指摘が未対応",
    ),
    (
        "BCP・バックアップ",
        "bcp",
        2,
        "5: 基準どおりのバックアップと訓練実施／3: 一部未達／1: バックアップの基準未達",
    ),
    ("利用者満足度", "satisfaction", 1, "5: 満足度調査で80%以上が満足／3: 50〜80%／1: 50%未満または未調査"),
)


def rubric_defaults_ensure() -> int:
    """Create the default rubric criteria that are missing (a fresh or flushed database); returns how
    many were created. Existing criteria (possibly edited by admins) are left as they are."""
    created = 0
    for order, (name, basis, weight, guidance) in enumerate(DEFAULT_RUBRIC, start=1):
        _obj, new = RubricCriterion.objects.get_or_create(
            name=name, defaults={"basis": basis, "weight": weight, "guidance": guidance, "order": order * 10}
        )
        created += new
    return created


def evaluation_score(evaluation: Evaluation) -> Decimal | None:
    """Weighted mean of the scores (weights of the rubric), two decimals; None without scores."""
    rows = list(evaluation.scores.select_related("criterion"))
    weight = sum(r.criterion.weight for r in rows)
    if not weight:
        return None
    total = Decimal(sum(r.score * r.criterion.weight for r in rows)) / Decimal(weight)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plan_generate(*, user, fiscal_year: int, every_years: int = 5, limit: int | None = None) -> int:
    """The year's evaluation plan: systems not evaluated for ``every_years`` years, those whose cost
    changed most first (so every system is evaluated at least once in N years)."""
    from saiteki.reviews import selectors

    require_right(user, perms.REVIEW_DECIDE)
    rows = selectors.plan_candidates(fiscal_year=fiscal_year, every_years=every_years)
    if limit is not None:
        rows = rows[:limit]
    existing = set(
        EvaluationPlanItem.objects.filter(fiscal_year=fiscal_year).values_list("system_id", flat=True)
    )
    with transaction.atomic(), change_context(user=user), change_batch():
        new = [
            EvaluationPlanItem(fiscal_year=fiscal_year, system_id=r["system_id"], reason=r["reason"][:200])
            for r in rows
            if r["system_id"] not in existing
        ]
        for item in new:
            item.save()
    return len(new)
