from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


class ResilienceConfig(reg.SaitekiAppConfig):
    """Resilience and security compliance (SPEC C10): backup standard and practice, ICT-BCP, drills,
    security incidents, e-mail drills, training and the network-separation model."""

    name = "saiteki.resilience"
    label = "resilience"
    verbose_name = _("BCP・情報セキュリティ")
    url_prefix = "resilience/"
    menu = (
        reg.MenuGroup(
            "resilience",
            _("BCP・セキュリティ"),
            320,
            (
                reg.MenuItem(_("BCP・セキュリティの状況"), "resilience:dashboard"),
                reg.MenuItem(_("バックアップの適合状況"), "resilience:compliance"),
                reg.MenuItem(_("ICT-BCP（システム別）"), "resilience:bcpprofile_list"),
                reg.MenuItem(_("復旧順序"), "resilience:recovery"),
                reg.MenuItem(_("ICT-BCP文書"), "resilience:bcpdocument_list"),
                reg.MenuItem(_("ICT-BCP訓練"), "resilience:bcpdrill_list"),
                reg.MenuItem(_("情報セキュリティ事故"), "resilience:securityincident_list"),
                reg.MenuItem(_("標的型攻撃メール訓練"), "resilience:emaildrill_list"),
                reg.MenuItem(_("研修"), "resilience:trainingsession_list"),
                reg.MenuItem(_("ネットワーク分離モデル"), "resilience:networkseparation_list"),
                reg.MenuItem(_("バックアップ基準"), "resilience:backupstandard_list"),
            ),
        ),
    )
