"""The gate itself: whether it applies (:class:`GateSetting`) and an admin's exceptions to it
(:class:`GateException`). The guard that reads them is :mod:`saiteki.reviews.gate`."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.core.display import fy_text
from saiteki.core.models import BusinessModel
from saiteki.core.models.fields import user_ref
from saiteki.ledger.models import System
from saiteki.reviews.choices import GateKind

from .common import fy_check


class GateSetting(BusinessModel):
    """Whether the prefecture enforces the gate, and from which fiscal year (master data, admins only).

    Without a row, or with ``enabled`` off, the ledger records budgets and contracts as before: the
    gate is switched on deliberately (the demo does), and budgets and contracts of fiscal years before
    ``first_fiscal_year`` are never refused — the data entered before the gate existed stays editable.
    The due dates of each step are counted in 開庁日 (business days with Japanese holidays).
    """

    enabled = models.BooleanField(_("審査ゲートを適用する"), default=False)
    first_fiscal_year = models.PositiveIntegerField(
        _("適用開始年度"), help_text=_("この年度以降の予算額・契約の登録に承認済みの審査が必要になります。")
    )
    review_days = models.PositiveSmallIntegerField(_("審査の期限（開庁日）"), default=10)
    response_days = models.PositiveSmallIntegerField(_("差戻し後の再提出期限（開庁日）"), default=10)
    opinion_days = models.PositiveSmallIntegerField(_("CIO補佐官意見の期限（開庁日）"), default=5)

    class Meta:
        verbose_name = _("審査ゲートの設定")
        verbose_name_plural = _("審査ゲートの設定")
        constraints = [fy_check("review_gate_setting_fy_range", "first_fiscal_year")]

    def __str__(self) -> str:
        return str(_("審査ゲートの設定"))

    def get_absolute_url(self) -> str:
        return reverse("reviews:gate_setting")

    def applies(self, fiscal_year: int | None) -> bool:
        return bool(self.enabled and fiscal_year is not None and fiscal_year >= self.first_fiscal_year)


class GateException(BusinessModel):
    """An admin's exception to the gate for one system, fiscal year and gate, with the reason.

    It makes the guard pass (a budget or contract may be recorded without the approved case) and is
    shown on the karte (change log) and in the year's board and report.
    """

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="gate_exceptions"
    )
    fiscal_year = models.PositiveIntegerField(_("年度"))
    gate = models.CharField(_("対象"), max_length=1, choices=GateKind.choices)
    reason = models.TextField(_("理由"))
    granted_by = user_ref(_("登録者"), blank=False)
    granted_by_name = models.CharField(_("登録者名"), max_length=150, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["-fiscal_year", "system"]
        verbose_name = _("審査ゲートの例外")
        verbose_name_plural = _("審査ゲートの例外")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "gate"], name="review_gate_exception_unique"
            ),
            fy_check("review_gate_exception_fy_range"),
        ]

    def __str__(self) -> str:
        return f"{self.system} {fy_text(self.fiscal_year, style='wareki')} {self.get_gate_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:exception_list") + f"?fiscal_year={self.fiscal_year}"

    def changelog_related(self):
        return [self.system]
