from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


class SamConfig(reg.SaitekiAppConfig):
    """Software asset management (SPEC C9): titles, licences, devices, scans, reconciliation, 棚卸."""

    name = "saiteki.sam"
    label = "sam"
    verbose_name = _("ソフトウェア資産管理")
    url_prefix = "sam/"
    menu = (
        reg.MenuGroup(
            "sam",
            _("ソフトウェア資産"),
            350,
            (
                reg.MenuItem(_("ソフトウェア資産管理（概況）"), "sam:dashboard"),
                reg.MenuItem(_("ライセンス"), "sam:entitlement_list"),
                reg.MenuItem(_("機器"), "sam:device_list"),
                reg.MenuItem(_("ソフトウェア"), "sam:title_list"),
                reg.MenuItem(_("ソフトウェア棚卸"), "sam:campaign_list"),
                reg.MenuItem(_("スキャン取込"), "sam:scan_list", perm=("import", "sam.Device")),
                reg.MenuItem(
                    _("ソフトウェア名の対応付け"), "sam:name_list", perm=("change", "sam.SoftwareName")
                ),
                reg.MenuItem(
                    _("正規化ルール"), "sam:normalisationrule_list", perm=("change", "sam.NormalisationRule")
                ),
                reg.MenuItem(_("ライセンス照合の履歴"), "sam:run_list"),
                reg.MenuItem(_("ライセンス監査"), "sam:audit_list"),
                reg.MenuItem(_("ボリュームライセンスの検討"), "sam:offer_list"),
            ),
        ),
    )
