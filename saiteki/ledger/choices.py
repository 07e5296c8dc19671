"""Choices of the ledger (SPEC C1, C3). Values are English identifiers; labels are the Japanese terms
prefectural staff use, which are also the values accepted in Excel imports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifecycleStatus(models.TextChoices):
    PLANNING = "planning", _("企画中")
    BUILDING = "building", _("構築中")
    OPERATING = "operating", _("運用中")
    RENEWAL_PLANNED = "renewal_planned", _("更改予定")
    RETIRED = "retired", _("廃止")


class NetworkSegment(models.TextChoices):
    """三層分離: machines of different segments never share a host (C8)."""

    MYNUMBER = "mynumber", _("マイナンバー利用事務系")
    LGWAN = "lgwan", _("LGWAN接続系")
    INTERNET = "internet", _("インターネット接続系")


class HostingForm(models.TextChoices):
    ONPREM = "onprem", _("オンプレミス物理")
    SHARED_PLATFORM = "shared_platform", _("共通基盤（仮想化サーバ）")
    PRIVATE_CLOUD = "private_cloud", _("プライベートクラウド")
    GOV_CLOUD = "gov_cloud", _("ガバメントクラウド")
    COMMERCIAL_CLOUD = "commercial_cloud", _("民間クラウド(SaaS・ASP)")


CLOUD_FORMS = (HostingForm.PRIVATE_CLOUD, HostingForm.GOV_CLOUD, HostingForm.COMMERCIAL_CLOUD)


class ClassificationLevel(models.IntegerChoices):
    LOW = 1, "1"
    MEDIUM = 2, "2"
    HIGH = 3, "3"


class StandardBusiness(models.TextChoices):
    """The 20 businesses of local-government information-system standardisation (標準化対象20業務)."""

    JUMIN = "jumin", _("住民基本台帳")
    SENKYO = "senkyo", _("選挙人名簿管理")
    KOTEI = "kotei", _("固定資産税")
    KOJIN_JUMIN = "kojin_jumin", _("個人住民税")
    HOJIN_JUMIN = "hojin_jumin", _("法人住民税")
    KEIJIDOSHA = "keijidosha", _("軽自動車税")
    KOSEKI = "koseki", _("戸籍")
    KOSEKI_FUHYO = "koseki_fuhyo", _("戸籍の附票")
    INKAN = "inkan", _("印鑑登録")
    KOKUHO = "kokuho", _("国民健康保険")
    KOKUMIN_NENKIN = "kokumin_nenkin", _("国民年金")
    SHOGAISHA = "shogaisha", _("障害者福祉")
    KOKI_KOREI = "koki_korei", _("後期高齢者医療")
    KAIGO = "kaigo", _("介護保険")
    JIDO_TEATE = "jido_teate", _("児童手当")
    SEIKATSU_HOGO = "seikatsu_hogo", _("生活保護")
    KENKO = "kenko", _("健康管理")
    SHUGAKU = "shugaku", _("就学")
    JIDO_FUYO = "jido_fuyo", _("児童扶養手当")
    KODOMO = "kodomo", _("子ども・子育て支援")


class ServerKind(models.TextChoices):
    PHYSICAL = "physical", _("物理サーバ")
    VIRTUAL = "virtual", _("仮想マシン")
    CLOUD = "cloud", _("クラウドインスタンス")
    NETWORK = "network", _("ネットワーク機器")
    STORAGE = "storage", _("ストレージ")


class ProcurementMethod(models.TextChoices):
    GENERAL = "general", _("一般競争入札")
    DESIGNATED = "designated", _("指名競争入札")
    NEGOTIATED = "negotiated", _("随意契約")
    PROPOSAL = "proposal", _("プロポーザル")


class CostGroup(models.TextChoices):
    BUILD = "build", _("整備経費")
    RUN = "run", _("運用等経費")


class CostCategory(models.TextChoices):
    """The national split of IT costs (SPEC C3). The first six are build costs, the rest running costs."""

    DESIGN_DEV = "design_dev", _("設計・開発")
    HW_PURCHASE = "hw_purchase", _("ハードウェア購入")
    SW_PURCHASE = "sw_purchase", _("ソフトウェア購入")
    MIGRATION = "migration", _("データ移行")
    MODIFICATION = "modification", _("改修")
    PMO = "pmo", _("PMO支援")
    HW_LEASE = "hw_lease", _("ハードウェア賃借")
    HW_MAINTENANCE = "hw_maintenance", _("ハードウェア保守")
    SW_LICENSE = "sw_license", _("ソフトウェアライセンス・賃借")
    SW_MAINTENANCE = "sw_maintenance", _("ソフトウェア保守")
    APP_MAINTENANCE = "app_maintenance", _("アプリケーション保守")
    OPERATION = "operation", _("運用・ヘルプデスク")
    NETWORK = "network", _("通信回線")
    DATACENTER = "datacenter", _("データセンター・ハウジング")
    CLOUD = "cloud", _("クラウド利用料")
    OTHER = "other", _("その他")


BUILD_CATEGORIES = (
    CostCategory.DESIGN_DEV,
    CostCategory.HW_PURCHASE,
    CostCategory.SW_PURCHASE,
    CostCategory.MIGRATION,
    CostCategory.MODIFICATION,
    CostCategory.PMO,
)
RUN_CATEGORIES = tuple(c for c in CostCategory if c not in BUILD_CATEGORIES)


def group_of(category: str) -> str:
    return CostGroup.BUILD if category in BUILD_CATEGORIES else CostGroup.RUN


class CostStage(models.TextChoices):
    REQUESTED = "requested", _("要求額")
    BUDGET = "budget", _("予算額")
    ACTUAL = "actual", _("決算額")


class SurveyStatus(models.TextChoices):
    """Where one division's survey workbook stands (調査票の回答状況)."""

    PENDING = "pending", _("未回答")
    ANSWERED = "answered", _("回答済")
    RETURNED = "returned", _("差戻し")  # the IT policy division sent it back with a comment
    APPLIED = "applied", _("反映済")
