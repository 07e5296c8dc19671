"""System evaluation (C): the rubric, each evaluation's scores and result, and the year's plan of
systems due for evaluation."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import fy_text
from saiteki.core.models import BusinessModel
from saiteki.ledger.models import System
from saiteki.reviews.choices import CriterionBasis, Disposition

from .cases import ReviewCase
from .common import CasePart, fy_check


class RubricCriterion(BusinessModel):
    """One criterion of the evaluation rubric (master data): weight and guidance for scores 1–5."""

    name = models.CharField(_("評価項目"), max_length=100, unique=True)
    basis = models.CharField(
        _("根拠データ"), max_length=20, choices=CriterionBasis.choices, default=CriterionBasis.OTHER
    )
    weight = models.PositiveSmallIntegerField(_("重み"), default=1, validators=[MaxValueValidator(100)])
    guidance = models.TextField(_("採点の目安（1〜5）"), blank=True)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("評価項目")
        verbose_name_plural = _("評価項目")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reviews:rubric")


class Evaluation(CasePart):
    """The result of a system evaluation (C case): weighted score, disposition, improvement proposals."""

    case = models.OneToOneField(
        ReviewCase, verbose_name=_("審査案件"), on_delete=models.CASCADE, related_name="evaluation"
    )
    score = models.DecimalField(
        _("評点"), max_digits=4, decimal_places=2, null=True, blank=True, editable=False
    )
    disposition = models.CharField(_("評価結果"), max_length=20, choices=Disposition.choices, blank=True)
    summary = models.TextField(_("総評"), blank=True)

    case_anchor = "#evaluation"
    on_karte = True

    class Meta:
        ordering = ["-case__fiscal_year", "case"]
        verbose_name = _("システム評価")
        verbose_name_plural = _("システム評価")

    def __str__(self) -> str:
        return str(self.case)


class EvaluationScore(BusinessModel):
    """The score (1–5) of one rubric criterion in one evaluation, with the reviewer's note."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("システム評価"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(RubricCriterion, verbose_name=_("評価項目"), on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(
        _("点数"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.CharField(_("所見"), max_length=500, blank=True)

    division_path = "evaluation__case__division"

    class Meta:
        ordering = ["evaluation", "criterion__order"]
        verbose_name = _("評価点")
        verbose_name_plural = _("評価点")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="review_score_unique"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="review_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} {self.score}"

    def get_absolute_url(self) -> str:
        return self.evaluation.get_absolute_url()


class EvaluationPlanItem(BusinessModel):
    """A system due for evaluation (C) in a fiscal year: the year's evaluation plan."""

    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    system = models.ForeignKey(System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("選定理由"), max_length=200, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["fiscal_year", "system"]
        verbose_name = _("評価計画")
        verbose_name_plural = _("評価計画")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "system"], name="review_plan_unique"),
            fy_check("review_plan_fy_range"),
        ]

    def __str__(self) -> str:
        return f"{fy_text(self.fiscal_year, style='wareki')} {self.system}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:plan") + f"?fiscal_year={self.fiscal_year}"
