"""Column definitions of the resilience lists (screen and xlsx export share them). Headers of the columns
an importer reads are the importer's headers, so an exported list imports back."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.core.tables import Column, Table

from .choices import DataImportance
from .selectors import unmet_from_values

UNMET_VALUES = (
    "importance",
    "std_known",
    "std_frequency",
    "std_generations",
    "std_offsite",
    "std_offline",
    "std_months",
    "backup_practice.id",
    "backup_practice.frequency",
    "backup_practice.generations",
    "backup_practice.offsite_location",
    "backup_practice.offline_copy",
    "backup_practice.last_restore_test",
    "evaluated_on",
)


def _unmet_text(*values) -> str:
    return " ".join(u.message for u in unmet_from_values(*values))


def _importance(value) -> str:
    return str(DataImportance(value).label) if value in DataImportance.values else ""


def _flag_noncompliant(obj):
    if getattr(obj, "compliant", True):
        return None
    return ("warning", _("基準を満たしていません"))


COMPLIANCE_TABLE = Table(
    columns=[
        Column("number", _("システム番号"), link=True),
        Column("name", _("システム名")),
        Column(
            "bureau",
            _("部局"),
            accessor="owning_division.parent.name",
            order_by="owning_division__parent__sort_order",
        ),
        Column("division", _("所管所属"), accessor="owning_division.name", order_by="owning_division__code"),
        Column(
            "importance",
            _("データの重要度"),
            values=("importance",),
            compute=_importance,
            order_by="importance",
        ),
        Column("compliant", _("基準に適合"), kind="bool", flag=_flag_noncompliant),
        Column(
            "frequency",
            _("取得頻度"),
            accessor="backup_practice.frequency",
            kind="choice",
            order_by="backup_practice__frequency",
        ),
        Column(
            "generations",
            _("保管世代数"),
            accessor="backup_practice.generations",
            kind="number",
            order_by="backup_practice__generations",
        ),
        Column(
            "offsite_location",
            _("遠隔地の保管先"),
            accessor="backup_practice.offsite_location",
            order_by=False,
        ),
        Column(
            "offline_copy",
            _("オフライン・改ざん防止コピー"),
            accessor="backup_practice.offline_copy",
            kind="bool",
            order_by="backup_practice__offline_copy",
        ),
        Column(
            "last_restore_test",
            _("最終リストア試験日"),
            accessor="backup_practice.last_restore_test",
            kind="date",
            order_by="backup_practice__last_restore_test",
        ),
        Column("unmet", _("満たしていない要件"), values=UNMET_VALUES, compute=_unmet_text, order_by=False),
    ],
    default_order="number",
)

BCP_TABLE = Table(
    columns=[
        Column(
            "system_number", _("システム番号"), accessor="system.number", order_by="system__number", link=True
        ),
        Column("system_name", _("システム名"), accessor="system.name", order_by="system__name"),
        Column(
            "bureau",
            _("部局"),
            accessor="system.owning_division.parent.name",
            order_by="system__owning_division__parent__sort_order",
        ),
        Column("rank", _("優先度"), kind="choice"),
        Column("rto_hours", _("目標復旧時間（RTO・時間）"), kind="number"),
        Column("rpo_hours", _("目標復旧時点（RPO・時間）"), kind="number"),
        Column("priority_business", _("支える非常時優先業務"), order_by=False),
        Column("depends_on", _("依存するシステム"), accessor="depends_on.number", order_by=False),
    ],
    default_order="rank",
    select_related=("system__owning_division__parent",),
    prefetch_related=("depends_on",),
)

DOCUMENT_TABLE = Table(
    columns=[
        Column("title", _("文書名"), link=True),
        Column("kind", _("種類"), kind="choice"),
        Column("edition", _("版")),
        Column("issued_on", _("策定・改定日"), kind="date"),
        Column("systems", _("対象システム"), accessor="systems.number", order_by=False, empty=_("全庁")),
        Column("file_name", _("ファイル名"), order_by=False),
    ],
    default_order="-issued_on",
    prefetch_related=("systems",),
)

DRILL_TABLE = Table(
    columns=[
        Column("held_on", _("実施日"), kind="date"),
        Column("title", _("訓練名"), link=True),
        Column("kind", _("訓練の種類"), kind="choice"),
        Column("participant_count", _("参加人数"), kind="number", total=True),
        Column("systems", _("対象システム"), accessor="systems.number", order_by=False),
        Column("findings", _("判明した課題"), order_by=False),
    ],
    default_order="-held_on",
    prefetch_related=("systems",),
)

ACTION_TABLE = Table(
    columns=[
        Column("drill", _("訓練"), accessor="drill.title", order_by="drill__held_on"),
        Column("description", _("改善策"), link=True),
        Column("responsible", _("担当")),
        Column("due", _("期限"), kind="date"),
        Column("status", _("状況"), kind="choice"),
        Column("completed_on", _("完了日"), kind="date"),
    ],
    default_order="due",
    select_related=("drill",),
)

INCIDENT_TABLE = Table(
    columns=[
        Column("occurred_on", _("発生日"), kind="date"),
        Column("title", _("件名"), link=True),
        Column("kind", _("種類"), kind="choice"),
        Column("severity", _("重大度"), kind="choice"),
        Column("systems", _("関係システム"), accessor="systems.number", order_by=False),
        Column("personal_data", _("個人情報を含む"), kind="bool"),
        Column("affected_count", _("影響件数"), kind="number"),
        Column("status", _("対応状況"), kind="choice"),
        Column("closed_on", _("完了日"), kind="date"),
    ],
    default_order="-occurred_on",
    prefetch_related=("systems",),
)

EMAIL_DRILL_TABLE = Table(
    columns=[
        Column("held_on", _("実施日"), kind="date"),
        Column("title", _("訓練名"), link=True),
        Column("sent_total", _("送信数"), kind="number"),
        Column("clicked_total", _("クリック数"), kind="number"),
        Column("reported_total", _("報告数"), kind="number"),
        Column("note", _("備考"), order_by=False),
    ],
    default_order="-held_on",
)

EMAIL_RESULT_TABLE = Table(
    columns=[
        Column("drill", _("訓練"), accessor="drill.title", order_by="drill__held_on"),
        Column("bureau", _("部局"), accessor="bureau.name", order_by="bureau__sort_order"),
        Column("sent", _("送信数"), kind="number", total=True),
        Column("opened", _("開封数"), kind="number", total=True),
        Column("clicked", _("クリック数"), kind="number", total=True),
        Column("reported", _("報告数"), kind="number", total=True),
    ],
    default_order="drill__held_on",
    select_related=("drill", "bureau"),
)

TRAINING_TABLE = Table(
    columns=[
        Column("held_on", _("実施日"), kind="date"),
        Column("title", _("研修名"), link=True),
        Column("kind", _("研修の種類"), kind="choice"),
        Column("target", _("対象者"), order_by=False),
        Column("attendees", _("受講者数"), kind="number", total=True),
        Column("note", _("備考"), order_by=False),
    ],
    default_order="-held_on",
)

SEPARATION_TABLE = Table(
    columns=[
        Column("effective_from", _("適用開始日"), kind="date"),
        Column("model", _("分離モデル"), kind="choice", link=True),
        Column("note", _("備考"), order_by=False),
    ],
    default_order="-effective_from",
)

STANDARD_TABLE = Table(
    columns=[
        Column("importance", _("データの重要度"), kind="choice", link=True),
        Column("frequency", _("必要な取得頻度"), kind="choice"),
        Column("generations", _("必要な保管世代数"), kind="number"),
        Column("offsite_required", _("遠隔地保管が必要"), kind="bool"),
        Column("offline_required", _("オフライン・改ざん防止コピーが必要"), kind="bool"),
        Column("restore_test_months", _("リストア試験の間隔（月）"), kind="number"),
        Column("note", _("備考"), order_by=False),
    ],
    default_order="-importance",
)
