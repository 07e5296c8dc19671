"""The ledger's chapter of the annual report: progress of consolidation onto the shared platform."""

from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg

reg.registry.register_report_section(
    reg.ReportSection("consolidation", gettext_lazy("サーバ集約の進捗"), "ledger.virtualized", order=20)
)
