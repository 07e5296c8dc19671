"""Choices of the resilience app (SPEC C10). English values, Japanese labels (also the values the Excel
import accepts)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataImportance(models.IntegerChoices):
    """How much losing the system's data would hurt: decides which backup standard applies.

    Derived from the ledger's classification, never entered: see :func:`saiteki.resilience.compliance.
    importance_of` (the higher of 完全性 and 可用性)."""

    HIGH = 3, _("高")
    MEDIUM = 2, _("中")
    LOW = 1, _("低")


class BackupFrequency(models.TextChoices):
    CONTINUOUS = "continuous", _("常時（レプリケーション等）")
    DAILY = "daily", _("毎日")
    WEEKLY = "weekly", _("毎週")
    MONTHLY = "monthly", _("毎月")
    NONE = "none", _("取得していない")


#: Smaller is more frequent. A practice meets a required frequency when its rank is not larger.
FREQUENCY_RANK: dict[str, int] = {
    BackupFrequency.CONTINUOUS: 0,
    BackupFrequency.DAILY: 1,
    BackupFrequency.WEEKLY: 2,
    BackupFrequency.MONTHLY: 3,
    BackupFrequency.NONE: 9,
}
#: The longest data loss each frequency allows, in hours (for the RPO check on the karte).
FREQUENCY_HOURS: dict[str, int | None] = {
    BackupFrequency.CONTINUOUS: 0,
    BackupFrequency.DAILY: 24,
    BackupFrequency.WEEKLY: 24 * 7,
    BackupFrequency.MONTHLY: 24 * 31,
    BackupFrequency.NONE: None,
}


class Requirement(models.TextChoices):
    """One requirement of the backup standard; a system's result names the unmet ones."""

    STANDARD = "standard", _("基準の設定")
    ANSWERED = "answered", _("実施状況の登録")
    FREQUENCY = "frequency", _("取得頻度")
    GENERATIONS = "generations", _("保管世代数")
    OFFSITE = "offsite", _("遠隔地保管")
    OFFLINE = "offline", _("オフライン・改ざん防止コピー")
    RESTORE_TEST = "restore_test", _("リストア試験")


class RestoreResult(models.TextChoices):
    SUCCESS = "success", _("成功")
    PARTIAL = "partial", _("一部失敗")
    FAILURE = "failure", _("失敗")


class PriorityRank(models.TextChoices):
    """ICT-BCP priority: A is recovered first."""

    A = "A", _("A（最優先）")
    B = "B", _("B（優先）")
    C = "C", _("C（通常）")
    D = "D", _("D（後回し可）")


RANK_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}


class BcpDocumentKind(models.TextChoices):
    PLAN = "plan", _("業務継続計画（ICT-BCP）")
    PROCEDURE = "procedure", _("復旧手順書")
    CONTACTS = "contacts", _("緊急連絡網")
    OTHER = "other", _("その他")


class DrillKind(models.TextChoices):
    TABLETOP = "tabletop", _("机上訓練")
    COMMUNICATION = "communication", _("連絡・参集訓練")
    RECOVERY = "recovery", _("システム復旧訓練")
    COMPREHENSIVE = "comprehensive", _("総合訓練")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("未着手")
    IN_PROGRESS = "in_progress", _("対応中")
    DONE = "done", _("完了")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("重大")
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class IncidentKind(models.TextChoices):
    UNAUTHORIZED_ACCESS = "unauthorized_access", _("不正アクセス")
    MALWARE = "malware", _("マルウェア感染")
    LEAK = "leak", _("情報漏えい")
    MISSEND = "missend", _("誤送信・誤送付")
    LOSS = "loss", _("紛失・盗難")
    TAMPERING = "tampering", _("改ざん")
    DOS = "dos", _("サービス妨害")
    OTHER = "other", _("その他")


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("調査中")
    RESPONDING = "responding", _("対応中")
    PREVENTING = "preventing", _("再発防止策の実施中")
    CLOSED = "closed", _("完了")


class TrainingKind(models.TextChoices):
    SECURITY = "security", _("情報セキュリティ研修")
    TARGETED_EMAIL = "targeted_email", _("標的型攻撃メール対応研修")
    BCP = "bcp", _("ICT-BCP研修")
    IT_SKILLS = "it_skills", _("情報化人材育成研修")


class SeparationModel(models.TextChoices):
    """The network-separation models of the national guideline (地方公共団体における情報セキュリティ
    ポリシーに関するガイドライン): where staff terminals and business systems sit."""

    ALPHA = "alpha", _("αモデル")
    ALPHA_PRIME = "alpha_prime", _("α'モデル")
    BETA = "beta", _("βモデル")
    BETA_PRIME = "beta_prime", _("β'モデル")


SEPARATION_HELP = {
    SeparationModel.ALPHA: _(
        "業務端末・業務システムをLGWAN接続系に置き、インターネットは画面転送等で分離する。"
    ),
    SeparationModel.ALPHA_PRIME: _(
        "αモデルを基本に、一部の業務でインターネット接続系のクラウドサービスを利用する。"
    ),
    SeparationModel.BETA: _("業務端末と一部の業務システムをインターネット接続系に置く。"),
    SeparationModel.BETA_PRIME: _("業務端末とほとんどの業務システムをインターネット接続系に置く。"),
}
