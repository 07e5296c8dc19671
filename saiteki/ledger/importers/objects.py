"""Declared importers for the rest of the ledger: servers, contracts, software components and the master
data (vendors, municipalities, tags). Each is a model, its key and its columns; reading, checking,
previewing and applying are the pipeline's (:class:`~saiteki.core.importing.declared.ModelImporter`).

Servers and contracts are shared by systems of several divisions: a system owner's import keeps the
links to other divisions' systems whatever the cell says, and may add links only to their own systems.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.core.importing.declared import Field, ModelImporter
from saiteki.ledger.models import Component, Contract, Municipality, Server, Tag, Vendor


class ServerImporter(ModelImporter):
    """サーバ・機器 (key 機器名); systems by their システム番号."""

    label = _("サーバ・機器")
    model = Server
    touches = (Server,)
    key = ("name",)
    sheet_names = ("サーバ", "機器")
    fields = (
        Field("name", width=20),
        Field("kind", width=10),
        Field("host", width=20),
        Field("vcpu", width=10),
        Field("memory_gib", width=10),
        Field("storage_gib", width=10),
        Field("cpu_avg_pct", width=10),
        Field("cpu_peak_pct", width=10),
        Field("mem_avg_pct", width=10),
        Field("mem_peak_pct", width=10),
        Field("power_w", width=10),
        Field("location", width=16),
        Field("maintenance_end", width=12),
        Field("segment", width=20),
        Field("redundancy_group", width=14),
        Field("systems", _("システム番号"), lookup="number", aliases=("システム",), width=24),
    )


class ContractImporter(ModelImporter):
    """契約 (key 契約番号); the vendor by name, systems by their システム番号."""

    label = _("契約")
    model = Contract
    touches = (Contract,)
    uses_unit = True
    key = ("number",)
    fields = (
        Field("number", width=16),
        Field("title", width=32),
        Field("vendor", width=24),
        Field("procurement_method", width=14),
        Field("fiscal_year", kind="fy", width=20),
        Field("start", width=12),
        Field("end", width=12),
        Field("amount", _("契約金額"), kind="amount", aliases=("契約金額(円)", "契約金額（円）"), width=16),
        Field("systems", _("システム番号"), lookup="number", aliases=("システム",), width=24),
    )

    def _plan_row(self, sheet, row, values, key, obj) -> None:
        """Then other capabilities' write guards (the review gate) on the planned contract: a refusal
        is a row error, in the dry run and in the apply, so the import writes nothing."""
        from saiteki.core.errors import ApplicationError
        from saiteki.ledger.models import Contract, System
        from saiteki.ledger.services import contract_write_check

        planned = len(self.actions)
        super()._plan_row(sheet, row, values, key, obj)
        if len(self.actions) == planned:
            return
        action = self.actions[-1]
        contract = action.obj
        assert isinstance(contract, Contract)  # this importer's model
        ids = action.m2m.get("systems")
        systems = list(System.objects.filter(pk__in=ids)) if ids is not None else list(contract.systems.all())
        memo = self.__dict__.setdefault("_guard_memo", {})
        try:
            contract_write_check(user=self.user, contract=contract, systems=systems, memo=memo)
        except ApplicationError as exc:
            self.errors.add(sheet.name, row, sheet.header("number"), str(exc.message))


class ComponentImporter(ModelImporter):
    """ソフトウェア構成 (key システム番号 + 製品名); the server by its 機器名."""

    label = _("ソフトウェア構成")
    model = Component
    touches = (Component,)
    key = ("system", "product")
    sheet_names = ("構成",)
    fields = (
        Field("system", _("システム番号"), lookup="number", width=14),
        Field("product", width=24),
        Field("edition", width=16),
        Field("product_version", width=12),
        Field("server", _("機器名"), aliases=("サーバ",), width=20),
    )


class VendorImporter(ModelImporter):
    label = _("事業者")
    model = Vendor
    touches = (Vendor,)
    key = ("name",)
    fields = (Field("name", width=32), Field("corporate_number", width=16))


class MunicipalityImporter(ModelImporter):
    label = _("市町村")
    model = Municipality
    touches = (Municipality,)
    key = ("code",)
    fields = (Field("code", width=10), Field("name", width=16))


class TagImporter(ModelImporter):
    label = _("タグ")
    model = Tag
    touches = (Tag,)
    key = ("name",)
    fields = (Field("name", width=20),)
