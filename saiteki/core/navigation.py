"""The navigation menu by capability. Apps add their entries here; entries whose URL does not exist
yet (the app is not installed) are skipped, so the menu grows as capabilities land."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.accounts import permissions as perms


def _role(*roles):
    return lambda user: perms.role_of(user) in roles


MENU = [
    {
        "label": _("台帳"),
        "items": [
            {"label": _("情報システム台帳"), "url": "ledger:system_list"},
            {"label": _("サーバ・機器"), "url": "ledger:server_list"},
            {"label": _("契約"), "url": "ledger:contract_list"},
            {"label": _("経費分析"), "url": "ledger:cost_analysis"},
            {"label": _("調査票"), "url": "ledger:survey_list", "permission": _role("admin", "owner")},
        ],
    },
    {
        "label": _("審査・評価"),
        "items": [{"label": _("審査案件"), "url": "reviews:case_list"}],
    },
    {
        "label": _("評価指標・報告"),
        "items": [
            {"label": _("KPIダッシュボード"), "url": "kpi:dashboard"},
            {"label": _("年次報告"), "url": "kpi:report"},
        ],
    },
    {
        "label": _("サーバ集約"),
        "items": [
            {"label": _("集約シナリオ"), "url": "consolidation:scenario_list"},
            {"label": _("ホストモデル"), "url": "consolidation:hostmodel_list"},
        ],
    },
    {
        "label": _("管理"),
        "items": [
            {"label": _("組織"), "url": "accounts:organization_list"},
            {"label": _("事業者"), "url": "ledger:vendor_list"},
            {"label": _("市町村"), "url": "ledger:municipality_list"},
            {"label": _("タグ"), "url": "ledger:tag_list"},
            {"label": _("利用者と役割"), "url": "accounts:user_list", "permission": _role("admin")},
            {"label": _("監査ログ"), "url": "core:audit_log", "permission": _role("admin", "auditor")},
        ],
    },
]
