"""The ledger's importers, registered with the platform; the pipeline is core's (ADR 0004).

* ``ledger.systems`` — the ledger workbook: 情報システム (key システム番号) and 経費 (one row per system ×
  fiscal year × category × stage); the list export, the import template and the division survey all
  import back through it. Bulk-written (100,000 rows in seconds): :mod:`.planner`, :mod:`.costs`,
  :mod:`.writer`; columns in :mod:`.columns`, the workbook in :mod:`.workbook`.
* ``ledger.servers``, ``ledger.contracts``, ``ledger.components``, ``ledger.vendors``,
  ``ledger.municipalities``, ``ledger.tags`` — declared importers (:mod:`.objects`).

The service functions below keep the ledger's own names (surveys, the bench and the tests call them);
they are thin calls into :mod:`saiteki.core.importing.services`.
"""

from __future__ import annotations

from typing import Any

from saiteki.core import registry as reg
from saiteki.core.importing import BlankPolicy, ImportPreview
from saiteki.core.importing import services as pipeline
from saiteki.ledger.importers.columns import COST_SHEET, IMPORT_REASON, SPECS, SYSTEM_FIELDS, SYSTEM_SHEET
from saiteki.ledger.importers.objects import (
    ComponentImporter,
    ContractImporter,
    MunicipalityImporter,
    ServerImporter,
    TagImporter,
    VendorImporter,
)
from saiteki.ledger.importers.planner import SystemImporter
from saiteki.ledger.importers.workbook import ledger_workbook

#: Kept for callers of the old name.
LedgerImporter = SystemImporter

IMPORTERS = {
    "ledger.systems": SystemImporter,
    "ledger.servers": ServerImporter,
    "ledger.contracts": ContractImporter,
    "ledger.components": ComponentImporter,
    "ledger.vendors": VendorImporter,
    "ledger.municipalities": MunicipalityImporter,
    "ledger.tags": TagImporter,
}
for _name, _cls in IMPORTERS.items():
    reg.registry.register_importer(_name, _cls)


def ledger_import_preview(
    *, user, source, file_name: str, unit: str = "円", blank: str = BlankPolicy.KEEP, **options: Any
) -> ImportPreview:
    """Dry run of the ledger workbook (``division=`` restricts it to one 所属, as a survey does)."""
    return pipeline.import_preview(
        importer=SystemImporter,
        user=user,
        source=source,
        file_name=file_name,
        unit=unit,
        blank=blank,
        **options,
    )


def ledger_import_apply(
    *, user, source, file_name: str, unit: str = "円", blank: str = BlankPolicy.KEEP, **options: Any
) -> ImportPreview:
    """Apply the ledger workbook all-or-nothing (see :func:`saiteki.core.importing.services.import_apply`)."""
    return pipeline.import_apply(
        importer=SystemImporter,
        user=user,
        source=source,
        file_name=file_name,
        unit=unit,
        blank=blank,
        **options,
    )


__all__ = [
    "COST_SHEET",
    "IMPORTERS",
    "IMPORT_REASON",
    "SPECS",
    "SYSTEM_FIELDS",
    "SYSTEM_SHEET",
    "LedgerImporter",
    "SystemImporter",
    "ledger_import_apply",
    "ledger_import_preview",
    "ledger_workbook",
]
