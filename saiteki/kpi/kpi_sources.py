"""A server-based KPI of the ledger, computed here from the as-of ledger's servers (SPEC C5; Okayama
3.3.2: 「74システム115台の個別サーバを仮想化サーバ14台に集約」).

The ledger's own sources (``saiteki/ledger/kpi_sources.py``) count systems; this one counts servers as
they were at the fiscal year's end — the VMs on the shared platform's hosts — with the physical
servers, hosts and cloud instances of that day in the evidence figures, so the KPI page and the annual
report's consolidation chapter (prefix ``ledger.virtualized``) show the servers' trend beside the
systems'. Registered by the KPI app because it only reads :mod:`saiteki.ledger.asof`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

VIRTUALIZED_SERVERS = "ledger.virtualized_servers"


def virtualized_servers_evidence(fiscal_year: int) -> dict:
    """VMs on a host of the shared platform at the year end (a host: a physical server running VMs)."""
    from saiteki.ledger.asof import ledger_at_fiscal_year_end
    from saiteki.ledger.choices import ServerKind

    ledger = ledger_at_fiscal_year_end(fiscal_year)
    servers = ledger.servers()
    vms = {
        pk: data
        for pk, data in servers.items()
        if data.get("kind") == ServerKind.VIRTUAL and data.get("host") in servers
    }
    hosts = {data["host"] for data in vms.values()}
    physical = [
        pk for pk, data in servers.items() if data.get("kind") == ServerKind.PHYSICAL and pk not in hosts
    ]
    cloud = [pk for pk, data in servers.items() if data.get("kind") == ServerKind.CLOUD]
    records = [
        {
            "model": "ledger.server",
            "id": pk,
            "label": data.get("name") or str(pk),
            "detail": servers[data["host"]].get("name") or "",
        }
        for pk, data in sorted(vms.items(), key=lambda kv: kv[1].get("name") or "")
    ]
    return {
        "value": len(vms),
        "records": records,
        "figures": {
            "virtual_servers": len(vms),
            "hosts": len(hosts),
            "physical_servers": len(physical),
            "cloud_instances": len(cloud),
            "as_of": ledger.at.date().isoformat(),
        },
    }


reg.registry.register_kpi_source(
    reg.KpiSource(
        key=VIRTUALIZED_SERVERS,
        label=_("仮想化サーバに集約したサーバ台数"),
        unit="台",
        compute=lambda fy: virtualized_servers_evidence(fy)["value"],
        evidence=virtualized_servers_evidence,
        description=_(
            "年度末時点の台帳で、共通基盤（仮想化サーバ）のホスト上で稼働する仮想サーバの台数。"
            "根拠には同時点の物理サーバ（ホストを除く）・ホスト・クラウドインスタンスの台数を示す。"
        ),
        higher_is_better=True,
    )
)
