"""How the planner's facts are named on the result page, the export and karte entries: dimensions,
rules, multi-year strategies and cost lines, and hosts. Shared by the one-shot and multi-year sections
of the report (and by the services' karte entries), so a rule or host reads the same everywhere.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DIM_LABELS = {
    "vcpu": gettext_lazy("vCPU"),
    "memory_gib": gettext_lazy("メモリ(GiB)"),
    "storage_gib": gettext_lazy("ストレージ(GiB)"),
}


RULE_LABELS = {
    "placed_once": gettext_lazy("すべての機器をちょうど1回ずつ配置"),
    "capacity": gettext_lazy("容量（余裕率・オーバーコミット適用後）を超えない"),
    "segment_separation": gettext_lazy("ネットワーク区分の分離（三層分離）"),
    "anti_affinity": gettext_lazy("冗長化グループを別々のホストに配置"),
    "affinity": gettext_lazy("同居グループを同じホストに配置"),
    "pinned": gettext_lazy("固定指定の機器を指定ホストに配置"),
    "n_plus_one": gettext_lazy("N+1（どの1台が止まっても他のホストで引き受け可能）"),
}


STRATEGY_LABELS = {
    "staged": gettext_lazy("年度ごとに、稼働中のホストを先に埋め、足りない分だけ購入"),
    "staged_lasting": gettext_lazy(
        "年度ごとに購入（計画期間中に保守期限が来る既存ホストには新たに載せない）"
    ),
    "single_packing": gettext_lazy("全機器を一度に配置し、各ホストを最初に必要な年度に購入"),
}


LINE_KEYS = {
    "purchase": gettext_lazy("新ホストの購入"),
    "lease": gettext_lazy("新ホストの賃借"),
    "maintenance": gettext_lazy("新ホストの保守"),
    "licence": gettext_lazy("新ホストのライセンス（ホスト・コア単位）"),
    "power": gettext_lazy("新ホストの電力"),
    "existing_maintenance": gettext_lazy("既存ホストの保守"),
    "existing_licence": gettext_lazy("既存ホストのライセンス"),
    "existing_power": gettext_lazy("既存ホストの電力"),
    "migration": gettext_lazy("移行経費"),
}


def host_label(host: dict) -> str:
    """How a host of a result is named on pages, exports and karte entries: an existing host by its
    ledger name, a host to buy as 「新ホストN」 (N in purchase order for plans over fiscal years)."""
    host_id = str(host.get("host_id", ""))
    if host.get("existing"):
        return _("%(name)s（既存）") % {"name": host_id}
    if host_id[:1] == "N" and host_id[1:].isdigit():
        return _("新ホスト%(n)s") % {"n": host_id[1:]}
    return _("新ホスト%(n)d") % {"n": int(host.get("index", 0)) + 1}
