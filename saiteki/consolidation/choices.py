"""Choices of the consolidation planner. Values are English identifiers, labels the Japanese terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SelectionMode(models.TextChoices):
    """How a scenario picks the machines to place (SPEC C8: "by filter, or all physical servers whose
    maintenance ends within N fiscal years"; plus the VMs already on the shared platform)."""

    FILTER = "filter", _("台帳の条件で選ぶ")
    MAINTENANCE_DUE = "maintenance_due", _("保守期限がN年度以内の物理サーバ")
    SHARED_PLATFORM = "shared_platform", _("共通基盤（仮想化サーバ）上の仮想マシン")


class DemandBasis(models.TextChoices):
    """Size a machine by what it really uses at peak, or by what it was given."""

    PEAK = "peak", _("実測ピーク使用率 × 割当量")
    ALLOCATED = "allocated", _("割当量（vCPU・メモリ・ストレージ）")


class CostBasis(models.TextChoices):
    """Where the current servers' yearly hardware costs come from (for the savings comparison)."""

    LEDGER = "ledger", _("台帳の経費（ハードウェア賃借・保守）")
    DEFAULTS = "defaults", _("現行サーバ1台あたりの既定値")


class ServerKindFilter(models.TextChoices):
    PHYSICAL = "physical", _("物理サーバ")
    VIRTUAL = "virtual", _("仮想マシン")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("実行中")
    SUCCEEDED = "succeeded", _("完了")
    FAILED = "failed", _("失敗")
