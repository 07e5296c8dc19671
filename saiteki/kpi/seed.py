"""The indicators of both source plans (SPEC C5), as data: Okayama's second optimisation plan
(FY2014–FY2016, 取組項目 3.1.1 … 3.5.2) and the current plan built on Mie's ICT policy (budget
pre-request review, system evaluation, integrated server 40 → 54). ``kpi_definitions_seed`` writes
them idempotently (by code); the demo and ``manage.py kpi_seed`` call it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from .choices import Direction, TargetRule
from .models import KpiDefinition, KpiTarget, Measure, Plan

PLANS = (
    ("okayama-2", "岡山県情報システム最適化計画（第二次）", 2014, 2016),
    ("current", "情報システム全体最適化計画（現行）", None, None),  # years set relative to today
)

OKAYAMA_MEASURES = (
    ("3.1.1", "ICT部門業務継続計画の推進"),
    ("3.1.2", "バックアップ運用の高度化"),
    ("3.1.3", "サイバー攻撃への対策"),
    ("3.2.1", "デスクトップの仮想化"),
    ("3.2.2", "クラウドサービスの活用"),
    ("3.2.3", "庁内ネットワーク運用の効率化"),
    ("3.3.1", "社会保障・税番号制度に係る対応"),
    ("3.3.2", "仮想化サーバの利用推進"),
    ("3.3.3", "共有ファイルサーバの利用推進"),
    ("3.3.4", "ソフトウェアライセンス管理の最適化"),
    ("3.3.5", "システムの市町村との共同利用の推進"),
    ("3.4.1", "調達プロセスの適正化"),
    ("3.4.2", "グリーンITの推進"),
    ("3.5.1", "情報化人材の育成"),
    ("3.5.2", "ナレッジの集積と活用"),
)
CURRENT_MEASURES = (
    ("1", "予算要求前審査によるコスト削減"),
    ("2", "システム評価の実施"),
    ("3", "共通機能基盤（統合サーバ）への集約"),
    ("4", "OS等のサポート終了への対応"),  # Okayama 3.6 ア, carried into the current plan
)

H, L = Direction.HIGHER, Direction.LOWER
V, UP, STEP = TargetRule.VALUE, TargetRule.UP_ON_PREVIOUS, TargetRule.STEP

# code, name, unit, direction, rule, target, step, target text, measure, source key, baseline (fy, value), by division
OKAYAMA = (
    (
        "bcp_drills",
        "ICT-BCPの実効性を検証する訓練の実施回数",
        "回",
        H,
        V,
        1,
        None,
        "1回/年以上",
        "3.1.1",
        "resilience.bcp_drills",
        None,
        False,
    ),
    (
        "backup_by_importance",
        "データの重要度に応じたバックアップを実施しているシステムの割合",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "3.1.2",
        "resilience.backup_compliance",
        None,
        False,
    ),
    (
        "security_incidents",
        "情報セキュリティ事故件数",
        "件",
        L,
        V,
        0,
        None,
        "0件",
        "3.1.3",
        "resilience.security_incidents",
        None,
        False,
    ),
    (
        "virtual_desktops",
        "仮想デスクトップの導入台数",
        "台",
        H,
        UP,
        None,
        None,
        "対前年増",
        "3.2.1",
        "",
        None,
        False,
    ),
    (
        "cloud_ratio",
        "庁内情報システムのクラウドサービス利用割合",
        "%",
        H,
        V,
        5,
        None,
        "5%以上（現状1.5%）",
        "3.2.2",
        "ledger.cloud_ratio",
        (2013, "1.5"),
        True,
    ),
    (
        "virtualized_systems",
        "仮想化サーバ利用システム数",
        "システム",
        H,
        STEP,
        None,
        3,
        "年間3システム増",
        "3.3.2",
        "ledger.virtualized_systems",
        (2013, 74),
        True,
    ),
    (
        # Not an indicator of the plan's table: the plan reports it as the effect of 3.3.2 (平成25年度末
        # 「74システム115台の個別サーバを仮想化サーバ14台に集約」); shown beside the systems' count.
        "virtualized_servers",
        "仮想化サーバに集約したサーバ台数",
        "台",
        H,
        UP,
        None,
        None,
        "対前年増（平成25年度末115台）",
        "3.3.2",
        "ledger.virtualized_servers",
        (2013, 115),
        False,
    ),
    (
        "file_server_availability",
        "共有ファイルサーバの可用性",
        "%",
        H,
        V,
        99,
        None,
        "99%以上",
        "3.3.3",
        "",
        None,
        False,
    ),
    (
        "file_server_usage",
        "共有ファイルサーバの利用率",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "3.3.3",
        "",
        None,
        False,
    ),
    (
        "licence_inventory",
        "各所属のソフトウェア棚卸実施率",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "3.3.4",
        "sam.inventory_completion",
        None,
        False,
    ),
    (
        "joint_municipalities",
        "情報システムの共同利用市町村数",
        "市町村",
        H,
        V,
        27,
        None,
        "27市町村",
        "3.3.5",
        "ledger.joint_municipalities",
        None,
        False,
    ),
    (
        "support_cases",
        "各システム所管課に対する支援件数",
        "件",
        H,
        V,
        200,
        None,
        "延べ200件/年間",
        "3.4.1",
        "ledger.support_cases",
        None,
        False,
    ),
    (
        "cost_reduction_cases",
        "支援による情報システム経費削減件数",
        "件",
        H,
        UP,
        None,
        None,
        "対前年増",
        "3.4.1",
        "",
        None,
        False,
    ),
    (
        "green_procurement",
        "県のIT機器におけるグリーン調達の達成率",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "3.4.2",
        "",
        None,
        False,
    ),
    (
        "training_attendance",
        "職員研修の受講人数",
        "人",
        H,
        UP,
        None,
        None,
        "対前年増",
        "3.5.1",
        "resilience.training_attendance",
        None,
        False,
    ),
    (
        "knowledge_use",
        "ナレッジデータベースの活用率",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "3.5.2",
        "knowledge.use_rate",
        None,
        False,
    ),
    (
        "recurring_cost_change",
        "情報システム経常経費の削減率（平成20年度比）",
        "%",
        L,
        V,
        -30,
        None,
        "平成20年度比30%削減",
        "3.4.1",
        "ledger.recurring_cost_change",
        (2008, 0),
        False,
    ),
)
CURRENT = (
    (
        "review_reductions",
        "予算要求前審査による要求削減額",
        "円",
        H,
        V,
        350_000_000,
        None,
        "平均3.5億円/年",
        "1",
        "reviews.reductions",
        None,
        False,
    ),
    (
        "budget_reviewed_share",
        "予算要求前審査を経た予算の割合",
        "%",
        H,
        V,
        100,
        None,
        "100%",
        "1",
        "reviews.budget_reviewed_share",
        None,
        False,
    ),
    (
        "systems_evaluated",
        "システム評価の実施数",
        "件",
        H,
        V,
        46,
        None,
        "46システム（平成25年度から）",
        "2",
        "reviews.evaluations",
        None,
        False,
    ),
    (
        "integrated_server_systems",
        "統合サーバに集約したシステム数",
        "システム",
        H,
        V,
        54,
        None,
        "40システム→54システム",
        "3",
        "ledger.virtualized_systems",
        None,
        True,
    ),
    (
        "past_eol_running",
        "サポート終了後も稼働しているソフトウェアの割合",
        "%",
        L,
        V,
        0,
        None,
        "0%",
        "4",
        "lifecycle.past_eol_share",
        None,
        False,
    ),
    (
        "renewals_due",
        "サポート終了・保守期限により更改が必要なシステム数",
        "件",
        L,
        V,
        None,
        None,
        "目標なし（更改予測の把握）",
        "4",
        "lifecycle.renewals_due",
        None,
        False,
    ),
)


@transaction.atomic
def kpi_definitions_seed(*, current_fy: int) -> int:
    """Create or update the plans, measures and indicators; returns the number of indicators."""
    plans = {}
    for code, name, start, end in PLANS:
        start = start or current_fy - 2
        end = end or current_fy + 2
        plan, _ = Plan.objects.update_or_create(
            code=code, defaults={"name": name, "start_fy": start, "end_fy": end}
        )
        plans[code] = plan
    measures = {}
    for plan_code, rows in (("okayama-2", OKAYAMA_MEASURES), ("current", CURRENT_MEASURES)):
        for code, title in rows:
            measures[(plan_code, code)] = Measure.objects.update_or_create(
                plan=plans[plan_code], code=code, defaults={"title": title}
            )[0]
    order = 0
    for plan_code, rows in (("okayama-2", OKAYAMA), ("current", CURRENT)):
        for code, name, unit, direction, rule, target, step, text, measure, source, baseline, by_div in rows:
            order += 10
            d, _ = KpiDefinition.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "unit": unit,
                    "direction": direction,
                    "target_rule": rule,
                    "target": Decimal(target) if target is not None else None,
                    "target_step": Decimal(step) if step is not None else None,
                    "target_text": text,
                    "plan": plans[plan_code],
                    "measure": measures[(plan_code, measure)],
                    "source_key": source,
                    "baseline_fy": baseline[0] if baseline else None,
                    "baseline_value": Decimal(str(baseline[1])) if baseline else None,
                    "by_division": by_div,
                    "sort_order": order,
                },
            )
            if code == "integrated_server_systems":
                # Mie: 40 systems now, 54 once the next integrated server is built (two years on).
                for fy, value in ((current_fy - 1, 40), (current_fy, 47), (current_fy + 1, 54)):
                    KpiTarget.objects.update_or_create(
                        definition=d, fiscal_year=fy, defaults={"value": value}
                    )
    return order // 10
