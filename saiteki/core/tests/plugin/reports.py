"""An annual-report chapter with a table of its own, for the report tests."""

from saiteki.core import registry as reg


def gadget_table(fiscal_year: int) -> dict | None:
    from .models import Gadget

    rows = [[g.code, g.amount] for g in Gadget.objects.order_by("code")]
    return {"caption": "ガジェット一覧", "columns": ["コード", "金額"], "rows": rows} if rows else None


reg.registry.register_report_section(
    reg.ReportSection("plugin", "ガジェットの状況", "plugin.", order=99, table=gadget_table)
)
