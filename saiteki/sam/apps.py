from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


class SamConfig(reg.SaitekiAppConfig):
    """Software asset management (SPEC C9): titles, licences, devices, scans, reconciliation, 棚卸."""

    name = "saiteki.sam"
    label = "sam"
    verbose_name = _("ソフトウェア資産管理")
