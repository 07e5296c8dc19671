"""Stored reconciliation runs: each run's figures per title and 所属, kept so runs can be compared.

A run is computed by a background job (:mod:`saiteki.sam.reconcile` holds the arithmetic, the
consumption is aggregated in SQL) and never changed afterwards. The title's figures are the sums of
its 所属 rows by construction, so "by title" and "by 所属" always agree. Rows are division-owned: a
system owner sees only their own 所属's rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel
from saiteki.sam.choices import RunStatus

from .catalogue import Title


class ReconciliationRun(BusinessModel):
    """One reconciliation of every licensable title as of a date, with its totals and timings."""

    as_of = models.DateField(_("基準日"))
    status = models.CharField(_("状況"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    entitled = models.BigIntegerField(_("保有数"), default=0)
    consumed = models.BigIntegerField(_("使用数"), default=0)
    shortfall = models.BigIntegerField(_("不足"), default=0)
    surplus = models.BigIntegerField(_("余剰"), default=0)
    cost_to_comply = models.BigIntegerField(_("不足解消の費用(円)"), default=0)
    titles = models.PositiveIntegerField(_("対象ソフトウェア数"), default=0)
    sql_seconds = models.FloatField(_("集計SQLの時間(秒)"), default=0)
    seconds = models.FloatField(_("処理時間(秒)"), default=0)
    notes = models.JSONField(_("注記"), default=list, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    notified_at = models.DateTimeField(_("通知日時"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ライセンス照合")
        verbose_name_plural = _("ライセンス照合")

    def __str__(self) -> str:
        return str(_("ライセンス照合 #%(pk)s") % {"pk": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("sam:run_detail", args=[self.pk])


class ReconciliationRow(BusinessModel):
    """One title in one 所属 (``division`` empty: the central pool and devices without a 所属).

    ``entitled`` includes central-pool licences allocated to this 所属 (``pool_in``); the pool's own
    row keeps what was not allocated. ``downgrade_in`` is this row's use covered by licences of a newer
    version with downgrade rights, ``downgrade_out`` this row's licences used that way. Per row:
    shortfall = consumed − direct use − downgrade_in, surplus = entitled − direct use − downgrade_out.
    """

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="rows")
    title = models.ForeignKey(
        Title, verbose_name=_("ソフトウェア"), on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        Organization,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    metric = models.CharField(_("数え方"), max_length=12)
    entitled = models.IntegerField(_("保有数"), default=0)
    consumed = models.IntegerField(_("使用数"), default=0)
    devices = models.IntegerField(_("台数"), default=0)
    pool_in = models.IntegerField(_("全庁共通からの充当"), default=0)
    downgrade_in = models.IntegerField(_("ダウングレード権で充当"), default=0)
    downgrade_out = models.IntegerField(_("ダウングレード権で提供"), default=0)
    shortfall = models.IntegerField(_("不足"), default=0)
    surplus = models.IntegerField(_("余剰"), default=0)
    unit_price = models.BigIntegerField(_("単価(円)"), default=0)
    cost_to_comply = models.BigIntegerField(_("不足解消の費用(円)"), default=0)
    estimated = models.BooleanField(_("推定値"), default=False)

    division_path = "division"

    class Meta:
        ordering = ["run", "title__name", "division__sort_order"]
        verbose_name = _("ライセンス照合の明細")
        verbose_name_plural = _("ライセンス照合の明細")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shortfall__gte=0) & models.Q(surplus__gte=0), name="sam_row_nonnegative"
            ),
        ]
        indexes = [models.Index(fields=["run", "title"], name="sam_row_run_title")]

    def __str__(self) -> str:
        return f"{self.title_id} {self.division_id}"
