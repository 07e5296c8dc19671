"""KPI sources of the SAM app (SPEC C5): the inventory completion rate, computed from campaign data."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from . import selectors

reg.registry.register_kpi_source(
    reg.KpiSource(
        key="sam.inventory_completion",
        label=_("ライセンス棚卸実施率（所属の完了割合）"),
        unit="%",
        compute=lambda fy: selectors.inventory_completion(fy),
        evidence=lambda fy: selectors.inventory_evidence(fy),
        description=_(
            "その年度の棚卸で、依頼した所属のうち棚卸を完了した所属の割合。締切後は確定した結果を使います。"
        ),
    )
)
