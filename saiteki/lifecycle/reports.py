"""The lifecycle chapter of the annual report: support-end risk and renewals due (KPI values)."""

from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg

reg.registry.register_report_section(
    reg.ReportSection(
        "lifecycle", gettext_lazy("ライフサイクル（サポート期限）のリスク"), "lifecycle.", order=30
    )
)
