"""Improvement proposals (A) and their follow-up on the next pre-budget review."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.models import BusinessModel, JournalEntry
from saiteki.core.models.fields import user_ref
from saiteki.ledger.models import System
from saiteki.reviews.choices import ProposalStatus

from .cases import ReviewCase
from .common import CasePart, case_link, fy_check


class Proposal(BusinessModel):
    """An improvement proposal (A) for a system, followed up until done — and checked on the system's
    next pre-budget review (「改善結果を予算要求前審査で確認」)."""

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="proposals"
    )
    source_case = models.ForeignKey(
        ReviewCase,
        verbose_name=_("提案元の審査"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    source_journal = models.OneToOneField(
        JournalEntry,
        verbose_name=_("提案元のカルテ記録"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("提案"), max_length=200)
    detail = models.TextField(_("内容"), blank=True)
    responsible = user_ref(_("担当者"))
    due_fiscal_year = models.PositiveIntegerField(_("対応期限年度"))
    expected_saving = models.BigIntegerField(
        _("削減見込額(円/年)"), default=0, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("状況"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.TODO, db_index=True
    )
    evidence = models.TextField(_("対応の根拠・結果"), blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["due_fiscal_year", "system", "id"]
        verbose_name = _("改善提案")
        verbose_name_plural = _("改善提案")
        constraints = [
            models.CheckConstraint(condition=Q(expected_saving__gte=0), name="review_proposal_saving_gte_0"),
            fy_check("review_proposal_fy_range", "due_fiscal_year"),
        ]

    def __str__(self) -> str:
        return f"{self.system.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:proposal_detail", args=[self.pk])

    def changelog_related(self):
        return [self.system]


class ProposalCheck(CasePart):
    """On a P case: whether an open proposal of the system was addressed (the reviewer's record)."""

    case = case_link("checks")
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("改善提案"), on_delete=models.CASCADE, related_name="checks"
    )
    addressed = models.BooleanField(_("対応済み"), null=True, blank=True)
    note = models.CharField(_("確認結果"), max_length=500, blank=True)

    case_anchor = "#proposals"

    class Meta:
        ordering = ["case", "proposal"]
        verbose_name = _("改善提案の確認")
        verbose_name_plural = _("改善提案の確認")
        constraints = [models.UniqueConstraint(fields=["case", "proposal"], name="review_check_unique")]

    def __str__(self) -> str:
        return f"{self.case} {self.proposal.title}"
