"""Choices of the KPI app (SPEC C5). Values are English identifiers, labels the plan's Japanese terms."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    """Which values meet the target."""

    HIGHER = "higher", _("高いほど良い（目標値以上）")
    LOWER = "lower", _("低いほど良い（目標値以下）")
    EQUAL = "equal", _("目標値と一致")


class TargetRule(models.TextChoices):
    """How a year's target is set: a value per year, 対前年増, or the previous year plus a step."""

    VALUE = "value", _("目標値")
    UP_ON_PREVIOUS = "up_on_previous", _("対前年増")
    STEP = "step", _("前年度からの増加数")


class KpiKind(models.TextChoices):
    COMPUTED = "computed", _("自動集計")
    MANUAL = "manual", _("手入力（根拠付き）")


class KpiStatus(models.TextChoices):
    ACHIEVED = "achieved", _("達成")
    NOT_ACHIEVED = "not_achieved", _("未達")
    UNDETERMINED = "undetermined", _("判定不能")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("作成中")
    DONE = "done", _("作成済み")
    FAILED = "failed", _("失敗")


#: Job kinds of this app (one name, imported where used).
JOB_REFRESH = "kpi.refresh"
JOB_REPORT = "kpi.report"
