"""Column definitions of the planner's lists (screen and xlsx export share them)."""

from django.utils.translation import gettext_lazy as _

from saiteki.core.tables import Column, Table

HOSTMODEL_TABLE = Table(
    columns=[
        Column("name", _("名称"), link=True),
        Column("product", _("製品・型番")),
        Column("cpu_cores", _("CPUコア数"), kind="number"),
        Column("memory_gib", _("メモリ(GiB)"), kind="number"),
        Column("storage_gib", _("ストレージ(GiB)"), kind="number"),
        Column("purchase_price", _("購入価格"), kind="yen"),
        Column("lease_per_year", _("賃借料（年額）"), kind="yen"),
        Column("maintenance_per_year", _("保守料（年額）"), kind="yen"),
        Column("licence_per_host_per_year", _("ライセンス/台（年額）"), kind="yen"),
        Column("licence_per_core_per_year", _("ライセンス/コア（年額）"), kind="yen"),
        Column("power_w", _("消費電力(W)"), kind="number"),
    ],
    default_order="name",
)

SCENARIO_TABLE = Table(
    columns=[
        Column("name", _("シナリオ名"), link=True),
        Column("fiscal_year", _("計画開始年度"), kind="fy"),
        Column("selection", _("対象の選び方"), kind="choice"),
        Column("demand_basis", _("需要の算定"), kind="choice", default=False),
        Column("host_model", _("ホストモデル"), accessor="host_model.name", order_by="host_model__name"),
        Column("n_plus_one", _("N+1"), kind="bool"),
        Column("run_count", _("計算回数"), kind="number"),
        Column("latest_machines", _("機器数（最新）"), kind="number"),
        Column("latest_hosts", _("必要ホスト数（最新）"), kind="number"),
    ],
    default_order="-fiscal_year",
    select_related=("host_model",),
)
