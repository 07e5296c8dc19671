"""The information-system ledger (情報システム台帳, SPEC C1/C3): systems and what they run on, cost.

Every model here is a :class:`~saiteki.core.models.BusinessModel`: changes are logged with who/when/
before/after/reason, and ``division_path`` lets system owners read and write only their own division's
rows. Child objects (servers, components, contracts, costs) name their systems in
``changelog_related`` so the karte shows one history for a system and everything under it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel

from .choices import (
    ClassificationLevel,
    CostCategory,
    CostStage,
    HostingForm,
    LifecycleStatus,
    NetworkSegment,
    ProcurementMethod,
    ServerKind,
    StandardBusiness,
    SurveyStatus,
)


class Municipality(BusinessModel):
    """A municipality of the prefecture (市町村), for municipal joint use (共同利用)."""

    code = models.CharField(_("団体コード"), max_length=6, unique=True)
    name = models.CharField(_("市町村名"), max_length=50, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("市町村")
        verbose_name_plural = _("市町村")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:municipality_detail", args=[self.pk])


class Vendor(BusinessModel):
    """A supplier (事業者) of systems, maintenance and services."""

    name = models.CharField(_("事業者名"), max_length=200, unique=True)
    corporate_number = models.CharField(_("法人番号"), max_length=13, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("事業者")
        verbose_name_plural = _("事業者")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:vendor_detail", args=[self.pk])


class Tag(BusinessModel):
    name = models.CharField(_("タグ"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("タグ")
        verbose_name_plural = _("タグ")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:tag_detail", args=[self.pk])


class System(BusinessModel):
    """An information system: the unit the ledger, reviews, KPIs and the karte are about."""

    number = models.CharField(
        _("システム番号"),
        max_length=20,
        unique=True,
        help_text=_("台帳上の一意の番号。Excel取込の照合キーです。"),
    )
    name = models.CharField(_("システム名"), max_length=200)
    purpose = models.TextField(_("目的・概要"), blank=True)
    business = models.CharField(_("対象業務"), max_length=200, blank=True)
    owning_division = models.ForeignKey(
        Organization, verbose_name=_("所管所属"), on_delete=models.PROTECT, related_name="systems"
    )
    users_internal = models.BooleanField(_("利用者: 職員"), default=True)
    users_residents = models.BooleanField(_("利用者: 県民"), default=False)
    users_businesses = models.BooleanField(_("利用者: 事業者"), default=False)
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.OPERATING,
        db_index=True,
    )
    service_start = models.DateField(_("運用開始日"), null=True, blank=True)
    planned_renewal_fy = models.PositiveIntegerField(_("更改予定年度"), null=True, blank=True)
    segment_mynumber = models.BooleanField(_("マイナンバー利用事務系"), default=False)
    segment_lgwan = models.BooleanField(_("LGWAN接続系"), default=False)
    segment_internet = models.BooleanField(_("インターネット接続系"), default=False)
    hosting_form = models.CharField(
        _("稼働形態"), max_length=20, choices=HostingForm.choices, default=HostingForm.ONPREM, db_index=True
    )
    confidentiality = models.PositiveSmallIntegerField(
        _("機密性"), choices=ClassificationLevel.choices, default=ClassificationLevel.MEDIUM
    )
    integrity = models.PositiveSmallIntegerField(
        _("完全性"), choices=ClassificationLevel.choices, default=ClassificationLevel.MEDIUM
    )
    availability = models.PositiveSmallIntegerField(
        _("可用性"), choices=ClassificationLevel.choices, default=ClassificationLevel.MEDIUM
    )
    personal_info = models.BooleanField(_("個人情報の取扱い"), default=False)
    my_number = models.BooleanField(_("マイナンバーの取扱い"), default=False)
    sso_integrated = models.BooleanField(_("統合認証（SSO）連携"), default=False)
    ipv6_ready = models.BooleanField(_("IPv6対応"), default=False)
    joint_municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("共同利用市町村"), blank=True, related_name="systems"
    )
    standard_business = models.CharField(
        _("標準化対象業務"), max_length=20, choices=StandardBusiness.choices, blank=True
    )
    vendors = models.ManyToManyField(Vendor, verbose_name=_("事業者"), blank=True, related_name="systems")
    tags = models.ManyToManyField(Tag, verbose_name=_("タグ"), blank=True, related_name="systems")
    notes = models.TextField(_("備考"), blank=True)

    division_path = "owning_division"

    class Meta:
        ordering = ["number"]
        verbose_name = _("情報システム")
        verbose_name_plural = _("情報システム")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidentiality__gte=1, confidentiality__lte=3), name="system_c_1_3"
            ),
            models.CheckConstraint(
                condition=models.Q(integrity__gte=1, integrity__lte=3), name="system_i_1_3"
            ),
            models.CheckConstraint(
                condition=models.Q(availability__gte=1, availability__lte=3), name="system_a_1_3"
            ),
            models.CheckConstraint(
                condition=~models.Q(my_number=True) | models.Q(personal_info=True),
                name="system_my_number_implies_personal_info",
            ),
        ]
        # The dashboard counts renewals due in the next three years (ADR 0007).
        indexes = [models.Index(fields=["planned_renewal_fy"], name="system_renewal_fy")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:system_detail", args=[self.pk])

    @property
    def segments(self) -> list[str]:
        return [
            s
            for s, flag in (
                (NetworkSegment.MYNUMBER, self.segment_mynumber),
                (NetworkSegment.LGWAN, self.segment_lgwan),
                (NetworkSegment.INTERNET, self.segment_internet),
            )
            if flag
        ]

    @property
    def segment_labels(self) -> str:
        return "、".join(str(NetworkSegment(s).label) for s in self.segments)


class Server(BusinessModel):
    """A server or other piece of hardware (or a VM / cloud instance) that systems run on."""

    name = models.CharField(_("機器名"), max_length=100, unique=True)
    kind = models.CharField(_("種別"), max_length=10, choices=ServerKind.choices, default=ServerKind.PHYSICAL)
    host = models.ForeignKey(
        "self",
        verbose_name=_("ホスト"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guests",
        help_text=_("仮想マシンが稼働する物理ホスト"),
    )
    vcpu = models.PositiveIntegerField(_("vCPU・コア数"), default=0)
    memory_gib = models.DecimalField(_("メモリ(GiB)"), max_digits=8, decimal_places=1, default=0)
    storage_gib = models.DecimalField(_("ストレージ(GiB)"), max_digits=10, decimal_places=1, default=0)
    cpu_avg_pct = models.DecimalField(
        _("CPU平均使用率(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    cpu_peak_pct = models.DecimalField(
        _("CPUピーク使用率(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    mem_avg_pct = models.DecimalField(
        _("メモリ平均使用率(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    mem_peak_pct = models.DecimalField(
        _("メモリピーク使用率(%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    power_w = models.PositiveIntegerField(_("消費電力(W)"), null=True, blank=True)
    location = models.CharField(_("設置場所"), max_length=100, blank=True)
    maintenance_end = models.DateField(_("保守期限"), null=True, blank=True)
    segment = models.CharField(
        _("ネットワーク区分"), max_length=10, choices=NetworkSegment.choices, blank=True
    )
    redundancy_group = models.CharField(
        _("冗長化グループ"),
        max_length=50,
        blank=True,
        help_text=_("同じグループの機器は別のホストに置きます（集約計画）。"),
    )
    systems = models.ManyToManyField(System, verbose_name=_("システム"), blank=True, related_name="servers")

    division_path = "systems__owning_division"

    class Meta:
        ordering = ["name"]
        verbose_name = _("サーバ・機器")
        verbose_name_plural = _("サーバ・機器")
        constraints = [
            models.CheckConstraint(condition=models.Q(cpu_peak_pct__lte=100), name="server_cpu_peak_lte_100"),
            models.CheckConstraint(condition=models.Q(mem_peak_pct__lte=100), name="server_mem_peak_lte_100"),
            models.CheckConstraint(condition=~models.Q(host=models.F("id")), name="server_not_own_host"),
        ]
        # The dashboard counts maintenance ends of the next three years (ADR 0007).
        indexes = [models.Index(fields=["maintenance_end"], name="server_maintenance_end")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:server_detail", args=[self.pk])

    def changelog_related(self):
        return list(self.systems.all()) if self.pk else []


class Component(BusinessModel):
    """A software component (OS, middleware, database, runtime…) of a system, optionally on a server.

    The version is free text for now; the lifecycle catalogue (C7) will link it to a release cycle.
    """

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="components"
    )
    server = models.ForeignKey(
        Server,
        verbose_name=_("サーバ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="components",
    )
    product = models.CharField(_("製品名"), max_length=200)
    edition = models.CharField(_("エディション"), max_length=100, blank=True)
    product_version = models.CharField(_("バージョン"), max_length=50, blank=True)

    division_path = "system__owning_division"

    class Meta:
        ordering = ["system", "product"]
        verbose_name = _("ソフトウェア構成")
        verbose_name_plural = _("ソフトウェア構成")

    def __str__(self) -> str:
        return " ".join(x for x in (self.product, self.edition, self.product_version) if x)

    def get_absolute_url(self) -> str:
        return self.system.get_absolute_url() + "#components"

    def changelog_related(self):
        return [self.system]


class Contract(BusinessModel):
    """A contract with a vendor for one or more systems (procurement method, term, amount)."""

    number = models.CharField(_("契約番号"), max_length=30, unique=True)
    title = models.CharField(_("契約件名"), max_length=200)
    vendor = models.ForeignKey(
        Vendor, verbose_name=_("事業者"), on_delete=models.PROTECT, related_name="contracts"
    )
    procurement_method = models.CharField(_("調達方法"), max_length=12, choices=ProcurementMethod.choices)
    fiscal_year = models.PositiveIntegerField(_("契約年度"))
    start = models.DateField(_("契約開始日"))
    end = models.DateField(_("契約終了日"))
    amount = models.BigIntegerField(_("契約金額(円)"), validators=[MinValueValidator(0)])
    systems = models.ManyToManyField(System, verbose_name=_("システム"), related_name="contracts")

    division_path = "systems__owning_division"

    class Meta:
        ordering = ["-fiscal_year", "number"]
        verbose_name = _("契約")
        verbose_name_plural = _("契約")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="contract_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="contract_amount_gte_0"),
        ]
        # The dashboard lists the first contracts ending in the year, in this order (ADR 0007).
        indexes = [models.Index(fields=["end", "number"], name="contract_end")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:contract_detail", args=[self.pk])

    def changelog_related(self):
        return list(self.systems.all()) if self.pk else []


class Cost(BusinessModel):
    """One cell of the cost matrix: system × fiscal year × category × stage, in integer yen."""

    system = models.ForeignKey(
        System, verbose_name=_("システム"), on_delete=models.CASCADE, related_name="costs"
    )
    fiscal_year = models.PositiveIntegerField(_("年度"), db_index=True)
    category = models.CharField(_("経費区分"), max_length=20, choices=CostCategory.choices)
    stage = models.CharField(_("段階"), max_length=10, choices=CostStage.choices)
    amount = models.BigIntegerField(_("金額(円)"), validators=[MinValueValidator(0)])

    division_path = "system__owning_division"
    # Shown when a cost row is created or deleted, so the karte says which amount came or went.
    changelog_summary_fields = ("fiscal_year", "category", "stage", "amount")

    class Meta:
        ordering = ["system", "fiscal_year", "category", "stage"]
        verbose_name = _("経費")
        verbose_name_plural = _("経費")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "fiscal_year", "category", "stage"], name="cost_unique_cell"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_amount_gte_0"),
            models.CheckConstraint(
                condition=models.Q(fiscal_year__gte=1989, fiscal_year__lte=2100), name="cost_fy_range"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "stage", "category"])]

    def __str__(self) -> str:
        return f"{self.system.number} {self.fiscal_year} {self.get_category_display()} {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:system_costs", args=[self.system_id])

    def changelog_related(self):
        return [self.system]


class SavedFilter(models.Model):
    """A user's named ledger-list filter (the query string), so a recurring view is one click away."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名前"), max_length=100)
    query = models.CharField(_("条件"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]
        verbose_name = _("保存した絞り込み")
        verbose_name_plural = _("保存した絞り込み")

    def __str__(self) -> str:
        return self.name


class SurveyCampaign(BusinessModel):
    """A division survey (調査票) round: the IT policy division asks every 所属 to check its ledger entries.

    Master data (no ``division_path``): only IT policy admins create campaigns; every role may read them.
    """

    fiscal_year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("件名"), max_length=200)
    due_date = models.DateField(_("回答期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-fiscal_year", "-created_at"]
        verbose_name = _("調査")
        verbose_name_plural = _("調査")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("ledger:survey_detail", args=[self.pk])


class SurveyResponse(BusinessModel):
    """One division's workbook in a campaign: what it uploaded, the diff it produces, and whether an
    admin applied it. Division-owned, so a system owner sees and uploads only their own."""

    campaign = models.ForeignKey(
        SurveyCampaign, verbose_name=_("調査"), on_delete=models.CASCADE, related_name="responses"
    )
    division = models.ForeignKey(
        Organization, verbose_name=_("所属"), on_delete=models.PROTECT, related_name="survey_responses"
    )
    status = models.CharField(
        _("状況"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.PENDING, db_index=True
    )
    file = models.FileField(_("回答ファイル"), upload_to="surveys/%Y/", blank=True)
    file_name = models.CharField(_("ファイル名"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    preview = models.JSONField(_("変更内容"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反映者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("反映日時"), null=True, blank=True)
    # 差戻し: what the IT policy division asked the division to fix; kept until the next submission
    # (the change log keeps every earlier comment).
    return_comment = models.TextField(_("差戻しの理由"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("差戻した人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("差戻し日時"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("督促日時"), null=True, blank=True)

    division_path = "division"
    # The preview is a derived diff (large, regenerated on every upload): not business history. The
    # file's storage path is noise next to ``file_name`` (and an empty FileField cannot be serialised by
    # the change log yet).
    changelog_exclude = ("created_at", "updated_at", "version", "preview", "file")

    class Meta:
        ordering = ["campaign", "division__sort_order", "division__code"]
        verbose_name = _("調査票の回答")
        verbose_name_plural = _("調査票の回答")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "division"], name="survey_response_one_per_division"),
            models.CheckConstraint(
                condition=~models.Q(status="applied") | models.Q(applied_at__isnull=False),
                name="survey_response_applied_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.division}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:survey_response", args=[self.pk])


# The summaries the database triggers keep (ADR 0007) live in their own module; Django finds them here.
from .summary_models import CostSummary, SystemCostTotal, SystemCount  # noqa: E402, F401
