"""Choices of the SAM app (SPEC C9). English values, Japanese labels; never bare strings elsewhere."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TitleCategory(models.TextChoices):
    """What kind of software a title is (for the dashboard's grouping and the demo)."""

    OFFICE = "office", _("オフィスソフト")
    PDF = "pdf", _("PDFソフト")
    JAPANESE_INPUT = "japanese", _("日本語ワープロ・入力")
    SECURITY = "security", _("ウイルス対策")
    CAD = "cad", _("CAD")
    GIS = "gis", _("GIS")
    STATISTICS = "statistics", _("統計解析")
    OS = "os", _("OS")
    SERVER = "server", _("サーバソフト")
    DESIGN = "design", _("画像・デザイン")
    OTHER = "other", _("その他")


class Metric(models.TextChoices):
    """How a licence is counted (the licence agreement's metric)."""

    DEVICE = "device", _("デバイス単位")
    USER = "user", _("ユーザー単位")
    CORE = "core", _("コア単位")
    CONCURRENT = "concurrent", _("同時使用数")
    SITE = "site", _("サイト（包括）")


class EntitlementType(models.TextChoices):
    """How the right to use was acquired."""

    OEM = "oem", _("プリインストール（OEM）")
    PACKAGE = "package", _("パッケージ")
    VOLUME = "volume", _("ボリュームライセンス")
    SUBSCRIPTION = "subscription", _("サブスクリプション")


class LicenceState(models.TextChoices):
    """The lifecycle of a licence (SPEC C9: procured → assigned → installed → updated → uninstalled →
    disposed). Every state but 廃棄 counts as owned in the reconciliation."""

    PROCURED = "procured", _("調達")
    ASSIGNED = "assigned", _("割当")
    INSTALLED = "installed", _("導入")
    UPDATED = "updated", _("更新")
    UNINSTALLED = "uninstalled", _("削除")
    DISPOSED = "disposed", _("廃棄")


class DeviceKind(models.TextChoices):
    PC = "pc", _("PC")
    SERVER = "server", _("サーバ")


class DeviceStatus(models.TextChoices):
    """Whether a device still counts: disposed devices keep their history but consume nothing."""

    IN_USE = "in_use", _("使用中")
    STOCK = "stock", _("予備・保管")
    DISPOSED = "disposed", _("廃棄済")


class RuleKind(models.TextChoices):
    """What a normalisation rule does with a raw name from a scan."""

    EXACT = "exact", _("表記が一致 → ソフトウェア")
    CONTAINS = "contains", _("語を含む → ソフトウェア")
    IGNORE = "ignore", _("管理対象外（語を含む）")


class MatchMethod(models.TextChoices):
    """How a raw name got its title."""

    RULE = "rule", _("正規化ルール")
    AUTO = "auto", _("ソフトウェア名から自動")
    MANUAL = "manual", _("手動対応付け")
    IGNORED = "ignored", _("管理対象外")
    NONE = "none", _("未対応")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("実行中")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("準備中")
    OPEN = "open", _("実施中")
    CLOSED = "closed", _("締切済")


class TaskState(models.TextChoices):
    OPEN = "open", _("未完了")
    COMPLETED = "completed", _("完了")


class ItemStatus(models.TextChoices):
    """One device's line in a division's inventory task."""

    PENDING = "pending", _("未確認")
    CONFIRMED = "confirmed", _("確認済")
    CORRECTED = "corrected", _("修正あり")
    MISSING = "missing", _("所在不明")


class CorrectionKind(models.TextChoices):
    WRONG_USER = "wrong_user", _("利用者が違う")
    UNKNOWN_SOFTWARE = "unknown_software", _("不明なソフトウェアがある")
    MISSING_DEVICE = "missing_device", _("機器が見当たらない")
    UNLISTED_DEVICE = "unlisted_device", _("一覧にない機器がある")
    OTHER = "other", _("その他")


class AuditState(models.TextChoices):
    OPEN = "open", _("実施中")
    CLOSED = "closed", _("完了")


class CheckResult(models.TextChoices):
    PENDING = "pending", _("未確認")
    OK = "ok", _("問題なし")
    FINDING = "finding", _("指摘あり")


class Severity(models.TextChoices):
    LOW = "low", _("軽微")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("重大")


class FindingState(models.TextChoices):
    OPEN = "open", _("対応中")
    RESOLVED = "resolved", _("対応済")


class OfferKind(models.TextChoices):
    VOLUME = "volume", _("ボリュームライセンス契約")
    SUBSCRIPTION = "subscription", _("サブスクリプション契約")


class ProofKind(models.TextChoices):
    CERTIFICATE = "certificate", _("ライセンス証書")
    CONTRACT = "contract", _("契約書")
    INVOICE = "invoice", _("請求書・納品書")
    OTHER = "other", _("その他")


#: Notification kinds (the inbox's ``kind``), defined once.
NOTIFY_SHORTFALL = "sam.shortfall"
NOTIFY_EXPIRY = "sam.expiry"
NOTIFY_INVENTORY = "sam.inventory_task"
NOTIFY_FINDING = "sam.audit_finding"
