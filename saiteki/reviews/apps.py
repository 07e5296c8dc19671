from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


class ReviewsConfig(reg.SaitekiAppConfig):
    """PDCA review gates (SPEC C4): P/D/C/A cases, the gate on the ledger's budgets and contracts,
    CIO advisor opinions, evaluations and proposals."""

    name = "saiteki.reviews"
    label = "reviews"
    verbose_name = _("審査・評価")
    url_prefix = "reviews/"
    menu = (
        reg.MenuGroup(
            "reviews",
            _("審査・評価"),
            200,
            (
                reg.MenuItem(_("審査ボード"), "reviews:board"),
                reg.MenuItem(_("審査案件"), "reviews:case_list"),
                reg.MenuItem(_("自分の案件"), "reviews:my_cases", perm=("change", "reviews.ReviewCase")),
                reg.MenuItem(
                    _("意見照会（CIO補佐官）"), "reviews:opinion_queue", right=perms.ADVISOR_OPINION
                ),
                reg.MenuItem(_("改善提案"), "reviews:proposal_list"),
                reg.MenuItem(_("評価計画"), "reviews:plan"),
                reg.MenuItem(_("審査ゲートの例外"), "reviews:exception_list"),
                reg.MenuItem(_("評価項目（ルーブリック）"), "reviews:rubric"),
                reg.MenuItem(_("審査ゲートの設定"), "reviews:gate_setting", right=perms.REVIEW_DECIDE),
            ),
        ),
    )

    def ready(self) -> None:
        super().ready()
        from . import gate

        gate.register()
