"""Summary tables of the ledger kept by database triggers (docs/adr/0007-national-scale-reads.md).

Imported by ``saiteki/ledger/models.py`` so Django registers them with the ledger app; kept apart because
they are derived data with rules of their own (no history, written only by triggers), not business data.
"""

from __future__ import annotations

from django.db import models

from saiteki.accounts.models import Organization

from .models import System

# --- Summaries of the cost matrix and the system list (docs/adr/0007-national-scale-reads.md) -------
#
# Written only by database triggers (``saiteki/ledger/summaries.py`` holds their SQL), in the same
# transaction as the cost or system row that changes them, so every write path — the cost grid, forms,
# the API, the Excel import, deletes, the demo loader's raw INSERTs, other apps' tests — keeps them equal
# to the sum of the rows. They are derived data, not business data: no change log, no history; and
# ``manage.py ledger_summaries --rebuild`` recomputes them from the rows. Their foreign keys carry no
# database constraint and do nothing on delete: the triggers remove a row when its count reaches zero.


class CostSummary(models.Model):
    """Sum and number of the cost rows of one 所属 × 稼働形態 × year × stage × category.

    The cost analysis, the dashboard, the drill-down's count and totals and the totals of lists filtered
    only by 部局/所属/稼働形態 read these (at most divisions × forms × years × 3 × 16 rows) instead of
    20 million cost rows. The hosting form and the division are the system's current ones, exactly what
    the analysis groups by.
    """

    pk = models.CompositePrimaryKey("division", "hosting_form", "fiscal_year", "stage", "category")
    division = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    hosting_form = models.CharField(max_length=20)
    fiscal_year = models.PositiveIntegerField()
    stage = models.CharField(max_length=10)
    category = models.CharField(max_length=20)
    amount = models.BigIntegerField(default=0)
    cost_rows = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["stage", "fiscal_year"], name="cost_summary_stage_fy"),
            models.Index(
                fields=["cost_rows"], condition=models.Q(cost_rows__lte=0), name="cost_summary_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.hosting_form} {self.fiscal_year} {self.stage} {self.category}"


class SystemCostTotal(models.Model):
    """One system's total of one year and stage (all categories), for the list's cost column, its sort
    and its totals row. No row means the system has no cost row for that year and stage (未登録, not 0円).

    The system's 所属, 稼働形態 and 状態 are copied here (the triggers keep them current), so a list
    filtered by them is sorted and totalled from this table's indexes alone, without visiting the
    systems: an owner's 6,000 systems sorted by cost are one index range, not 6,000 lookups.
    """

    pk = models.CompositePrimaryKey("system", "fiscal_year", "stage")
    system = models.ForeignKey(
        System, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="cost_totals"
    )
    fiscal_year = models.PositiveIntegerField()
    stage = models.CharField(max_length=10)
    division = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    hosting_form = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    amount = models.BigIntegerField(default=0)
    cost_rows = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # The whole ledger sorted by a year's cost walks this index; its sum is an index-only scan.
            models.Index(fields=["fiscal_year", "stage", "amount", "system"], name="system_cost_total_sort"),
            # One system's total by index alone: summing the totals of a free-text result probes this.
            models.Index(
                fields=["fiscal_year", "stage", "system"], include=["amount"], name="system_cost_total_probe"
            ),
            # The same within some 所属 (an owner, a 部局 filter), covering the other scope columns.
            models.Index(
                fields=["fiscal_year", "stage", "division", "amount"],
                include=["hosting_form", "status", "system"],
                name="system_cost_total_division",
            ),
            models.Index(
                fields=["cost_rows"], condition=models.Q(cost_rows__lte=0), name="system_cost_total_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system_id} {self.fiscal_year} {self.stage}"


class SystemCount(models.Model):
    """How many systems one 所属 has per 稼働形態 and 状態: counts of the list, the analysis and the
    dashboard without counting 400,000 rows."""

    pk = models.CompositePrimaryKey("division", "hosting_form", "status")
    division = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    hosting_form = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    systems = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["systems"], condition=models.Q(systems__lte=0), name="system_count_empty")
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.hosting_form} {self.status}"
