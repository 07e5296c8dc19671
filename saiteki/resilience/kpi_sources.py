"""KPI sources of the resilience app (SPEC C5; Okayama 3.1.1–3.1.3, 3.5.1): computed from the stored
records, each with its evidence (the records counted and the figures used) so a closed year freezes
exactly what was counted."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from . import kpi_values


def _value(evidence):
    return lambda fy: evidence(fy)["value"]


reg.registry.register_kpi_source(
    reg.KpiSource(
        key="resilience.bcp_drills",
        label=_("ICT-BCPの実効性を検証する訓練の実施回数"),
        unit="回",
        compute=_value(kpi_values.kpi_bcp_drills),
        evidence=kpi_values.kpi_bcp_drills,
        description=_("その年度に実施したICT-BCP訓練（机上・連絡・復旧・総合）の回数。目標は年1回以上。"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="resilience.backup_compliance",
        label=_("データの重要度に応じたバックアップを実施しているシステムの割合"),
        unit="%",
        compute=_value(kpi_values.kpi_backup_compliance),
        evidence=kpi_values.kpi_backup_compliance,
        description=_(
            "稼働中のシステムのうち、データの重要度（完全性・可用性の高い方）に応じたバックアップ基準"
            "（取得頻度・世代数・遠隔地保管・オフラインコピー・リストア試験）をすべて満たすもの。"
            "年度末（今年度は本日）時点。"
        ),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="resilience.security_incidents",
        label=_("情報セキュリティ事故件数"),
        unit="件",
        compute=_value(kpi_values.kpi_security_incidents),
        evidence=kpi_values.kpi_security_incidents,
        description=_("その年度に発生した情報セキュリティ事故の件数。目標は0件。"),
        higher_is_better=False,
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="resilience.training_attendance",
        label=_("職員研修の受講人数"),
        unit="人",
        compute=_value(kpi_values.kpi_training_attendance),
        evidence=kpi_values.kpi_training_attendance,
        description=_(
            "その年度に実施した研修（情報セキュリティ・標的型攻撃メール対応・ICT-BCP・情報化人材育成）の受講者数の合計。目標は対前年増。"
        ),
    )
)
