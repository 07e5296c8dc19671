"""Choices of the lifecycle app (SPEC C7). English values, Japanese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskStatus(models.TextChoices):
    """Where a component stands on a date. Ordered from worst to best by :data:`RISK_ORDER`."""

    PAST_EOL = "past_eol", _("サポート終了（稼働中）")
    EXTENDED_ONLY = "extended_only", _("有償延長サポートのみ")
    SECURITY_ONLY = "security_only", _("セキュリティ修正のみ")
    SUPPORTED = "supported", _("サポート中")
    UNKNOWN = "unknown", _("未照合")


#: Worst first: the roll-up of a server or system is the first status any of its components has.
RISK_ORDER = (
    RiskStatus.PAST_EOL,
    RiskStatus.EXTENDED_ONLY,
    RiskStatus.SECURITY_ONLY,
    RiskStatus.SUPPORTED,
    RiskStatus.UNKNOWN,
)


class MatchMethod(models.TextChoices):
    AUTO = "auto", _("自動照合")
    FAMILY = "family", _("自動照合（同系製品）")
    RULE = "rule", _("照合ルール")
    MANUAL = "manual", _("手動対応付け")
    NONE = "none", _("未照合")


class RuleKind(models.TextChoices):
    """What an admin-defined matching rule does."""

    EXACT = "exact", _("表記→製品・バージョン")
    ALIAS = "alias", _("製品名の別表記")
    BLOCK = "block", _("照合しない表記")
    NOISE = "noise", _("無視する語")


class ProductCategory(models.TextChoices):
    OS = "os", _("OS")
    DATABASE = "database", _("データベース")
    MIDDLEWARE = "middleware", _("ミドルウェア")
    RUNTIME = "runtime", _("実行環境")
    VIRTUALISATION = "virtualisation", _("仮想化基盤")
    NETWORK = "network", _("ネットワーク機器")
    CLIENT = "client", _("クライアント")
    OTHER = "other", _("その他")


class RefreshStatus(models.TextChoices):
    PENDING = "pending", _("確認待ち")
    APPLIED = "applied", _("反映済")
    DISCARDED = "discarded", _("破棄")


class Horizon(models.TextChoices):
    """How far ahead the risk list looks for support ends."""

    NOW = "now", _("現時点")
    THIS_FY = "this_fy", _("今年度末まで")
    NEXT_FY = "next_fy", _("来年度末まで")
    MONTHS = "months", _("Nか月以内")


class RenewalTrigger(models.TextChoices):
    EOL = "eol", _("ソフトウェアのサポート終了")
    MAINTENANCE = "maintenance", _("機器の保守期限")
