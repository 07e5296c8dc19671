"""KPI sources of the lifecycle app (SPEC C5): computed from the stored match results."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

from . import selectors

reg.registry.register_kpi_source(
    reg.KpiSource(
        key="lifecycle.past_eol_share",
        label=_("サポート終了後も稼働しているソフトウェアの割合"),
        unit="%",
        compute=lambda fy: selectors.past_eol_share(fy),
        description=_(
            "EOLカタログと照合済みのソフトウェアのうち、年度末（今年度は本日）時点でサポートが終了しているもの。"
        ),
        higher_is_better=False,
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="lifecycle.match_rate",
        label=_("ソフトウェア構成のEOLカタログ照合率"),
        unit="%",
        compute=lambda fy: selectors.match_rate(fy),
        description=_("稼働中システムのソフトウェア構成のうち、サポート期限が分かっているもの。"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="lifecycle.renewals_due",
        label=_("サポート終了・保守期限により更改が必要なシステム数"),
        unit="件",
        compute=lambda fy: selectors.renewals_due(fy),
        description=_(
            "その年度にソフトウェアのサポート終了または機器の保守期限を迎えるシステム（更改予測）。"
        ),
        higher_is_better=False,
    )
)
