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


class PlanningMode(models.TextChoices):
    """Buy every host at once (the one-shot plan), or plan over fiscal years: each machine moves in the
    year its hardware maintenance or OS support ends and hosts are bought when first needed."""

    SINGLE = "single", _("一括（初年度にすべてのホストを購入）")
    MULTI_YEAR = "multi_year", _("年度別（移行する年度に必要な分だけ購入）")


class PlatformMachines(models.TextChoices):
    """When a scenario starts from the existing shared platform: do its VMs stay where they are?"""

    PINNED = "pinned", _("現在のホストに固定（ホストの保守期限まで）")
    MOVABLE = "movable", _("基盤内で再配置してよい")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("実行中")
    SUCCEEDED = "succeeded", _("完了")
    FAILED = "failed", _("失敗")
    CANCELLED = "cancelled", _("取消")


#: States in which a run will not change any more.
FINISHED_STATES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)
#: States in which a run may still be cancelled.
OPEN_STATES = (RunStatus.QUEUED, RunStatus.RUNNING)
