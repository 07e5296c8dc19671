"""KPIs against the plan's targets (評価指標, SPEC C5) and the annual report to the IT strategy committee.

A plan (計画) has measures (取組項目 3.1.1 …) and indicators (KPI definitions) with yearly targets. A
definition names a KPI source of the registry (computed) or is entered by hand with evidence; the
value of each year is stored with the records it counted (:class:`KpiValue`), refreshed nightly while
the year is open and frozen when the year is closed (:class:`FiscalYearClose`, 年度末確定).
All of this is master data of the IT policy division: no ``division_path``, so only admins write it.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel
from saiteki.core.models.fields import user_ref

from .choices import Direction, KpiStatus, ReportStatus, TargetRule


class Plan(BusinessModel):
    """A plan whose indicators are followed (Okayama's second optimisation plan, the current plan …)."""

    code = models.CharField(_("計画コード"), max_length=30, unique=True)
    name = models.CharField(_("計画名"), max_length=200)
    start_fy = models.PositiveIntegerField(_("計画開始年度"))
    end_fy = models.PositiveIntegerField(_("計画終了年度"))

    class Meta:
        ordering = ["start_fy", "code"]
        verbose_name = _("計画")
        verbose_name_plural = _("計画")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_fy__gte=models.F("start_fy")), name="kpi_plan_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, fiscal_year: int) -> bool:
        return self.start_fy <= fiscal_year <= self.end_fy


class Measure(BusinessModel):
    """A measure (取組項目) of a plan, e.g. 「3.2.2 クラウドサービスの活用」."""

    plan = models.ForeignKey(Plan, verbose_name=_("計画"), on_delete=models.CASCADE, related_name="measures")
    code = models.CharField(_("項番"), max_length=20)
    title = models.CharField(_("取組項目"), max_length=200)

    class Meta:
        ordering = ["plan", "code"]
        verbose_name = _("取組項目")
        verbose_name_plural = _("取組項目")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="kpi_measure_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class KpiDefinition(BusinessModel):
    """An indicator (評価指標): what is measured, in which unit, which way is good, and the target.

    ``source_key`` names a registered KPI source; while no such source is registered the value is
    entered by hand with evidence (:class:`KpiEntry`), so a plan can be followed before every
    capability exists.
    """

    code = models.SlugField(_("指標コード"), max_length=60, unique=True)
    name = models.CharField(_("指標名"), max_length=200)
    unit = models.CharField(_("単位"), max_length=20)
    direction = models.CharField(
        _("判定の方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    target_rule = models.CharField(
        _("目標の立て方"), max_length=20, choices=TargetRule.choices, default=TargetRule.VALUE
    )
    target = models.DecimalField(
        _("目標値"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("年度別の目標がない年度に使う値"),
    )
    target_step = models.DecimalField(
        _("年間の増加目標"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("「年間3システム増」の3"),
    )
    target_text = models.CharField(_("目標（計画の表記）"), max_length=100, blank=True)
    baseline_fy = models.PositiveIntegerField(_("基準年度"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("基準値（現状）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    source_key = models.CharField(
        _("集計元"), max_length=100, blank=True, help_text=_("登録された集計元のキー")
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("計画"), on_delete=models.PROTECT, related_name="definitions"
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("取組項目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="definitions",
    )
    responsible_division = models.ForeignKey(
        Organization,
        verbose_name=_("担当所属"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpi_definitions",
    )
    description = models.TextField(_("説明"), blank=True)
    by_division = models.BooleanField(_("部局別に表示"), default=False)
    sort_order = models.PositiveIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("評価指標")
        verbose_name_plural = _("評価指標")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(target_rule="step") | models.Q(target_step__isnull=False),
                name="kpi_definition_step_has_step",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kpi:definition_detail", args=[self.pk])


class DefinitionYearRecord(BusinessModel):
    """A figure of one indicator for one fiscal year (target, entered value, computed value).

    Its history belongs to the indicator: changes show on the definition's history page.
    """

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.definition} {self.fiscal_year}"

    def changelog_related(self):
        return [self.definition]


class KpiTarget(DefinitionYearRecord):
    """The target of one fiscal year, when it differs from the definition's target."""

    definition = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveIntegerField(_("年度"))
    value = models.DecimalField(_("目標値"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["definition", "fiscal_year"]
        verbose_name = _("年度別目標")
        verbose_name_plural = _("年度別目標")
        constraints = [
            models.UniqueConstraint(fields=["definition", "fiscal_year"], name="kpi_target_unique_year")
        ]


class KpiEntry(DefinitionYearRecord):
    """A value entered by hand with its evidence (根拠), for indicators without a registered source."""

    definition = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="entries")
    fiscal_year = models.PositiveIntegerField(_("年度"))
    value = models.DecimalField(_("実績値"), max_digits=16, decimal_places=2)
    evidence = models.TextField(
        _("根拠"), help_text=_("数値の出典・集計方法（訓練の実施記録、棚卸結果など）")
    )
    entered_by = user_ref(_("入力者"))

    class Meta:
        ordering = ["definition", "fiscal_year"]
        verbose_name = _("実績の手入力")
        verbose_name_plural = _("実績の手入力")
        constraints = [
            models.UniqueConstraint(fields=["definition", "fiscal_year"], name="kpi_entry_unique_year")
        ]


class FiscalYearClose(BusinessModel):
    """The year-end close (年度末確定) of one fiscal year's KPIs.

    While ``closed`` the year's :class:`KpiValue` rows are never recomputed; re-opening needs the
    KPI_CLOSE right and a reason, which the change log and the audit log keep.
    """

    fiscal_year = models.PositiveIntegerField(_("年度"), unique=True)
    closed = models.BooleanField(_("確定済み"), default=True)
    closed_at = models.DateTimeField(_("確定日時"), null=True, blank=True)
    closed_by = user_ref(_("確定者"))
    reason = models.CharField(_("解除の理由"), max_length=500, blank=True)
    #: The annual report's chapter tables as they stood at the close, ``{section key: table}``: a chapter
    #: may compute its table from live records (e.g. the renewal forecast), and the close freezes it so
    #: the same closed year prints the same report. Derived, so kept out of the change log.
    report_tables = models.JSONField(_("年次報告の表（確定時点）"), default=dict, blank=True)

    changelog_exclude = ("created_at", "updated_at", "version", "report_tables")

    class Meta:
        ordering = ["-fiscal_year"]
        verbose_name = _("年度末確定")
        verbose_name_plural = _("年度末確定")

    def __str__(self) -> str:
        return str(self.fiscal_year)


class KpiValue(DefinitionYearRecord):
    """The value of one indicator in one fiscal year, with the evidence it was computed from.

    ``evidence`` is ``{"records": [...], "figures": {...}, "source": key}``: the exact records counted
    (drill-down) and the numbers used. It is kept out of the change log (large, and derived); the value,
    target, status and ``closed`` are logged like any business field.
    """

    definition = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="values")
    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    value = models.DecimalField(_("実績値"), max_digits=16, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("目標値"), max_digits=16, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("判定"), max_length=20, choices=KpiStatus.choices, default=KpiStatus.UNDETERMINED
    )
    closed = models.BooleanField(_("確定"), default=False)
    evidence = models.JSONField(_("根拠"), default=dict, blank=True)
    evidence_count = models.PositiveIntegerField(_("根拠の件数"), default=0)
    computed_at = models.DateTimeField(_("集計日時"), null=True, blank=True)
    comment = models.TextField(_("所見"), blank=True, help_text=_("委員会報告に載せる管理者のコメント"))

    changelog_exclude = ("created_at", "updated_at", "version", "evidence", "computed_at")

    class Meta:
        ordering = ["definition__sort_order", "definition__code", "fiscal_year"]
        verbose_name = _("評価指標の実績")
        verbose_name_plural = _("評価指標の実績")
        constraints = [
            models.UniqueConstraint(fields=["definition", "fiscal_year"], name="kpi_value_unique_year")
        ]

    def get_absolute_url(self) -> str:
        return reverse("kpi:evidence", args=[self.pk])


def report_upload_to(instance: KpiReport, filename: str) -> str:
    return f"kpi/reports/{instance.fiscal_year}/{filename}"


class KpiReport(BusinessModel):
    """An annual report (IT戦略推進委員会への報告) of a closed year, generated in the background."""

    fiscal_year = models.PositiveIntegerField(_("年度"))
    status = models.CharField(
        _("状況"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    xlsx = models.FileField(_("Excel"), upload_to=report_upload_to, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=report_upload_to, blank=True)
    digest = models.CharField(_("内容のハッシュ"), max_length=64, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    requested_by = user_ref(_("依頼者"))

    changelog_exclude = ("created_at", "updated_at", "version", "xlsx", "pdf")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("年次報告")
        verbose_name_plural = _("年次報告")

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("kpi:report_list")
