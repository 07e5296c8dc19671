"""The consolidation planner's records (SPEC C8): what hosts one can buy, which consolidation one
wants to study, and every run of the optimizer with its inputs and results.

All three are master data (``division_path`` is None): every role may read them, only IT policy
admins write them — a consolidation plan is the IT policy division's document, not a division's.
Runs keep a JSON snapshot of everything they were computed from, so a result can be reproduced and
explained after the ledger has moved on.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.models import Organization
from saiteki.core.models import BusinessModel, Job
from saiteki.core.models.base import ChangeLoggedModel
from saiteki.ledger.choices import HostingForm, NetworkSegment

from .choices import (
    FINISHED_STATES,
    CostBasis,
    DemandBasis,
    PlanningMode,
    PlatformMachines,
    RunStatus,
    SelectionMode,
    ServerKindFilter,
)

_YEN = [MinValueValidator(0)]


def _yen_field(label, help_text=""):
    return models.BigIntegerField(label, default=0, validators=_YEN, help_text=help_text)


class HostModel(BusinessModel):
    """A virtualisation host one can buy or lease: capacity, what it costs per year, what it draws.

    Costs are split the way prefectural budgets are (purchase or lease, maintenance, licences), so the
    savings page can compare each with the same category of the current servers.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    product = models.CharField(_("製品・型番"), max_length=200, blank=True)
    cpu_cores = models.PositiveIntegerField(
        _("CPUコア数"), validators=[MinValueValidator(1)], help_text=_("物理コア数（全ソケット合計）")
    )
    memory_gib = models.PositiveIntegerField(_("メモリ(GiB)"), validators=[MinValueValidator(1)])
    storage_gib = models.PositiveIntegerField(
        _("ストレージ(GiB)"), validators=[MinValueValidator(1)], help_text=_("仮想マシンに割り当てられる容量")
    )
    purchase_price = _yen_field(_("購入価格（1台・円）"), _("買い取りの場合の1台の価格。賃借なら0。"))
    lease_per_year = _yen_field(_("賃借料（1台・年額・円）"), _("リースの場合の1台の年額。購入なら0。"))
    maintenance_per_year = _yen_field(_("保守料（1台・年額・円）"))
    licence_per_host_per_year = _yen_field(
        _("ライセンス（1台あたり年額・円）"), _("仮想化ソフトなどホスト単位のライセンス")
    )
    licence_per_core_per_year = _yen_field(
        _("ライセンス（1コアあたり年額・円）"), _("OS（Datacenter版など）のコア単位ライセンス")
    )
    power_w = models.PositiveIntegerField(_("消費電力(W)"), default=0, help_text=_("平均消費電力"))
    notes = models.TextField(_("備考"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ホストモデル")
        verbose_name_plural = _("ホストモデル")
        constraints = [
            models.CheckConstraint(
                condition=Q(cpu_cores__gte=1, memory_gib__gte=1, storage_gib__gte=1),
                name="hostmodel_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    purchase_price__gte=0,
                    lease_per_year__gte=0,
                    maintenance_per_year__gte=0,
                    licence_per_host_per_year__gte=0,
                    licence_per_core_per_year__gte=0,
                ),
                name="hostmodel_costs_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("consolidation:hostmodel_detail", args=[self.pk])

    @property
    def licence_per_year(self) -> int:
        """Licences of one host per year (per-host part plus per-core part)."""
        return self.licence_per_host_per_year + self.licence_per_core_per_year * self.cpu_cores


class Scenario(BusinessModel):
    """A consolidation question: which machines, sized how, under which rules, onto which host model,
    and with which assumptions for the savings. Each run of it is a :class:`ScenarioRun`."""

    name = models.CharField(_("シナリオ名"), max_length=200, unique=True)
    description = models.TextField(_("説明"), blank=True)
    fiscal_year = models.PositiveIntegerField(
        _("計画開始年度"), help_text=_("移行計画と削減効果の初年度。例: 令和9年度、R9、2027")
    )
    # Selection
    selection = models.CharField(
        _("対象の選び方"), max_length=20, choices=SelectionMode.choices, default=SelectionMode.FILTER
    )
    maintenance_within_years = models.PositiveSmallIntegerField(
        _("保守期限の範囲（年度数）"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("計画開始年度から数えてこの年度数以内に保守期限が来る物理サーバを対象にします。"),
    )
    filter_server_kind = models.CharField(
        _("機器の種別"), max_length=10, choices=ServerKindFilter.choices, blank=True
    )
    filter_hosting_form = models.CharField(
        _("稼働形態"), max_length=20, choices=HostingForm.choices, blank=True
    )
    filter_segment = models.CharField(
        _("ネットワーク区分"), max_length=10, choices=NetworkSegment.choices, blank=True
    )
    filter_bureau = models.ForeignKey(
        Organization,
        verbose_name=_("部局"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "bureau"},
    )
    filter_division = models.ForeignKey(
        Organization,
        verbose_name=_("所属"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "division"},
    )
    # Starting from the shared platform as it is (Mie: 40 systems on the integrated server → 54)
    extend_platform = models.BooleanField(
        _("既存の共通基盤から始める"),
        default=False,
        help_text=_(
            "共通基盤の既存ホスト（仮想マシンが稼働している物理サーバ）とその仮想マシンを計画に含め、"
            "上の条件で選んだ機器を候補として追加します。既存ホストは保守期限まで使い、先に埋めます。"
        ),
    )
    platform_machines = models.CharField(
        _("既存の仮想マシン"),
        max_length=10,
        choices=PlatformMachines.choices,
        default=PlatformMachines.PINNED,
        help_text=_("「既存の共通基盤から始める」ときだけ使います。"),
    )
    existing_extension_years = models.PositiveSmallIntegerField(
        _("既存ホストの保守延長（年）"),
        default=0,
        validators=[MaxValueValidator(10)],
        help_text=_("既存ホストを保守期限の後も使い続ける年数（保守延長の契約を見込む場合）。"),
    )
    # Demand and rules
    demand_basis = models.CharField(
        _("需要の算定"), max_length=10, choices=DemandBasis.choices, default=DemandBasis.PEAK
    )
    segment_separation = models.BooleanField(
        _("ネットワーク区分を分離する"),
        default=True,
        help_text=_("三層分離: 区分の異なる機器を同じホストに置きません。"),
    )
    anti_affinity = models.BooleanField(
        _("冗長化グループを別ホストに置く"),
        default=True,
        help_text=_("台帳の「冗長化グループ」が同じ機器は別々のホストに配置します。"),
    )
    headroom_pct = models.PositiveSmallIntegerField(
        _("余裕率(%)"),
        default=20,
        validators=[MaxValueValidator(90)],
        help_text=_("各ホストのCPU・メモリ・ストレージのうち、使わずに残す割合"),
    )
    vcpu_overcommit = models.DecimalField(
        _("vCPUオーバーコミット比"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("16"))],
        help_text=_("物理コア1つあたりに割り当ててよいvCPU数（例: 2.0）"),
    )
    n_plus_one = models.BooleanField(
        _("N+1構成"),
        default=False,
        help_text=_("どのホストが1台止まっても、その機器を他のホストで引き受けられる構成"),
    )
    host_model = models.ForeignKey(
        HostModel, verbose_name=_("ホストモデル"), on_delete=models.PROTECT, related_name="scenarios"
    )
    time_limit_s = models.PositiveIntegerField(
        _("計算時間の上限（秒）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    seed = models.PositiveIntegerField(
        _("乱数シード"), default=0, help_text=_("同じシードと上限なら同じ結果になります。")
    )
    # Plan over fiscal years and savings assumptions
    planning = models.CharField(
        _("購入の計画"), max_length=12, choices=PlanningMode.choices, default=PlanningMode.SINGLE
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("計画・削減効果の期間（年度数）"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text=_("年度別の計画では、計画開始年度からこの年度数の移行と購入を計画します。"),
    )
    yen_per_kwh = models.DecimalField(
        _("電気料金（円/kWh）"), max_digits=7, decimal_places=2, default=Decimal("30"), validators=_YEN
    )
    co2_t_per_kwh = models.DecimalField(
        _("CO2排出係数（t-CO2/kWh）"),
        max_digits=10,
        decimal_places=7,
        default=Decimal("0.000441"),
        validators=_YEN,
        help_text=_("電気事業者の排出係数。例: 0.000441"),
    )
    current_cost_basis = models.CharField(
        _("現行経費の根拠"), max_length=10, choices=CostBasis.choices, default=CostBasis.LEDGER
    )
    current_hw_per_server_year = _yen_field(
        _("現行サーバ1台あたりハードウェア費（年額・円）"),
        _("台帳に経費がない場合、または既定値を選んだ場合に使います（賃借料または購入費の年割り）。"),
    )
    current_maintenance_per_server_year = _yen_field(_("現行サーバ1台あたり保守料（年額・円）"))
    current_licence_per_server_year = _yen_field(
        _("現行サーバ1台あたりライセンス（年額・円）"), _("OSなどサーバ単位のライセンス")
    )
    current_power_w_default = models.PositiveIntegerField(
        _("消費電力未登録の現行サーバの想定値(W)"), default=400
    )
    migration_cost_per_machine = _yen_field(
        _("移行経費（機器1台あたり・円）"), _("一時経費として新構成側に計上します。")
    )

    class Meta:
        ordering = ["-fiscal_year", "name"]
        verbose_name = _("集約シナリオ")
        verbose_name_plural = _("集約シナリオ")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1989, fiscal_year__lte=2100), name="scenario_fy_range"
            ),
            models.CheckConstraint(condition=Q(headroom_pct__lte=90), name="scenario_headroom_lte_90"),
            models.CheckConstraint(
                condition=Q(vcpu_overcommit__gte=1, vcpu_overcommit__lte=16), name="scenario_overcommit_range"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_s__gte=1, time_limit_s__lte=600), name="scenario_time_limit_range"
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__gte=1, horizon_years__lte=15), name="scenario_horizon_range"
            ),
            models.CheckConstraint(
                condition=Q(maintenance_within_years__gte=1, maintenance_within_years__lte=10),
                name="scenario_maintenance_years_range",
            ),
            models.CheckConstraint(
                condition=Q(existing_extension_years__lte=10), name="scenario_extension_years_lte_10"
            ),
            models.CheckConstraint(
                condition=Q(
                    yen_per_kwh__gte=0,
                    co2_t_per_kwh__gte=0,
                    current_hw_per_server_year__gte=0,
                    current_maintenance_per_server_year__gte=0,
                    current_licence_per_server_year__gte=0,
                    migration_cost_per_machine__gte=0,
                ),
                name="scenario_factors_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("consolidation:scenario_detail", args=[self.pk])

    def clean(self) -> None:
        """Rules between fields, checked for the form and the API alike (one place)."""
        super().clean()
        errors: dict[str, list] = {}
        if self.selection != SelectionMode.FILTER and self.filter_server_kind:
            errors.setdefault("filter_server_kind", []).append(
                _("機器の種別は「台帳の条件で選ぶ」のときだけ指定できます。")
            )
        if (
            self.filter_bureau_id
            and self.filter_division_id
            and self.filter_division.parent_id != self.filter_bureau_id
        ):
            errors.setdefault("filter_division", []).append(_("所属は選んだ部局のものを指定してください。"))
        if self.extend_platform and self.selection == SelectionMode.SHARED_PLATFORM:
            errors.setdefault("selection", []).append(
                _(
                    "既存の共通基盤から始める場合、基盤の仮想マシンは自動的に含まれます。"
                    "追加する候補の選び方（台帳の条件、または保守期限）を選んでください。"
                )
            )
        if errors:
            raise ValidationError(errors)

    @property
    def plans_over_years(self) -> bool:
        """Runs of this scenario are planned by fiscal year (multi-year mode or an extension)."""
        return self.planning == PlanningMode.MULTI_YEAR or self.extend_platform


class ScenarioRun(BusinessModel):
    """One run of the optimizer on a scenario: inputs, optimizer version, seed, time limit, result,
    savings and waves, who started it and how long it took — kept for every run (SPEC C8) so a plan
    presented to the committee can be traced to exactly what it was computed from.

    The large JSON documents are left out of the change log (they are written once by the run and
    never edited; logging them would copy megabytes per run into the history).
    """

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("シナリオ"), on_delete=models.PROTECT, related_name="runs"
    )
    number = models.PositiveIntegerField(_("実行番号"))
    status = models.CharField(_("状態"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    job = models.ForeignKey(
        Job,
        verbose_name=_("バックグラウンド処理"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    optimizer_version = models.CharField(_("最適化エンジンの版"), max_length=64, blank=True)
    seed = models.PositiveIntegerField(_("乱数シード"), default=0)
    time_limit_s = models.PositiveIntegerField(_("計算時間の上限（秒）"), default=10)
    parameters = models.JSONField(_("条件"), default=dict, blank=True)
    inputs = models.JSONField(_("入力"), default=dict, blank=True)
    snapshot = models.JSONField(_("台帳の写し"), default=dict, blank=True)
    result = models.JSONField(_("結果"), null=True, blank=True)
    savings = models.JSONField(_("削減効果"), null=True, blank=True)
    waves = models.JSONField(_("移行計画"), null=True, blank=True)
    plan = models.JSONField(_("年度別計画"), null=True, blank=True)
    machine_count = models.PositiveIntegerField(_("対象機器数"), default=0)
    current_units = models.DecimalField(_("現行の物理台数"), max_digits=10, decimal_places=2, default=0)
    hosts_used = models.PositiveIntegerField(_("必要ホスト数"), null=True, blank=True)
    lower_bound = models.PositiveIntegerField(_("下限"), null=True, blank=True)
    optimal = models.BooleanField(_("最適性の証明"), default=False)
    feasible = models.BooleanField(_("規則をすべて満たす"), default=False)
    solver_seconds = models.FloatField(_("計算時間（秒）"), null=True, blank=True)
    new_hosts = models.PositiveIntegerField(_("購入する新ホスト数"), null=True, blank=True)
    plan_cost = models.BigIntegerField(_("計画期間の経費（円）"), null=True, blank=True)
    single_shot_cost = models.BigIntegerField(_("一括購入の場合の経費（円）"), null=True, blank=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    heartbeat_at = models.DateTimeField(
        _("最終応答日時"), null=True, blank=True, help_text=_("計算中の処理が最後に進捗を報告した日時")
    )
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    adopted_at = models.DateTimeField(_("採用日時"), null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("採用者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    changelog_exclude = ChangeLoggedModel.changelog_exclude + (
        "parameters",
        "inputs",
        "snapshot",
        "result",
        "savings",
        "waves",
        "plan",
        "heartbeat_at",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("集約計算")
        verbose_name_plural = _("集約計算")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="scenariorun_unique_number"),
            # One adopted plan per scenario: adopting writes karte entries on every affected system.
            models.UniqueConstraint(
                fields=["scenario"], condition=Q(adopted_at__isnull=False), name="scenariorun_one_adopted"
            ),
            models.CheckConstraint(
                condition=Q(adopted_at__isnull=True) | Q(status=RunStatus.SUCCEEDED),
                name="scenariorun_adopted_only_if_succeeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario.name} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("consolidation:run_detail", args=[self.pk])

    def changelog_related(self):
        return [self.scenario]

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATES
