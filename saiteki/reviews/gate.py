"""The review gate (SPEC C4; Okayama 図15: the IT policy division's approval is the condition for the
next step): the ledger's writes call named guard points, this module refuses them without approval.

Two points, called by ``saiteki.ledger.services`` (``cost_write_check`` / ``contract_write_check``) from
every entry that writes — the cost grid, the contract form, the API and the import:

``ledger.cost_write`` — context ``user, system, fiscal_year, stage, category`` (+ optional ``memo``)
    A 予算額 (stage ``budget``) for a system and fiscal year needs an approved P (承認 / 条件付承認) of
    that system and year. ``category`` may be None when the caller checks several categories at once;
    ``system`` may be unsaved (a system new in an import file), which has no approved case yet.
``ledger.contract_write`` — context ``user, contract, systems`` (+ optional ``memo``)
    A contract (created, or changed in its fiscal year, amount, vendor or systems) needs an approved D
    of each linked system for the contract's fiscal year. ``contract`` carries the values about to be
    written (it may be unsaved); ``systems`` are the systems it will link.

``memo`` is a dict a bulk caller (the import) passes to every call of one operation: the guard keeps
the gate setting in it, so a disabled gate costs one query per import, not one per row.

An admin's :class:`~saiteki.reviews.models.GateException` for the system, year and gate makes the
guard pass. The gate applies only when the prefecture enabled it (:class:`GateSetting`) and only from its
``first_fiscal_year``: budgets and contracts entered before then, and every test of the ledger that
records budgets without cases, are untouched (docs/guide/reviews.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from saiteki.core import registry as reg
from saiteki.core.display import fy_text
from saiteki.core.errors import ValidationFailed

from .choices import APPROVED_STATES, GUARD_CONTRACT_WRITE, GUARD_COST_WRITE, CaseKind

BUDGET_STAGE = "budget"
_UNSET = object()


class GateClosed(ValidationFailed):
    """The write needs an approved review (or an admin's exception) first. Nothing was changed."""

    code = "review_gate_closed"


def gate_setting(memo: dict | None = None):
    """The gate setting (None when the prefecture has not set one up), memoised in ``memo``."""
    from .models import GateSetting

    if memo is not None and memo.get("reviews.gate_setting", _UNSET) is not _UNSET:
        return memo["reviews.gate_setting"]
    setting = GateSetting.objects.order_by("pk").first()
    if memo is not None:
        memo["reviews.gate_setting"] = setting
    return setting


def gate_open(*, system_id: int | None, fiscal_year: int, kind: str) -> bool:
    """Is there an approved case of this kind for the system and year, or an exception?"""
    from .models import GateException, ReviewCase

    if system_id is None:
        return False
    if ReviewCase.objects.filter(
        system_id=system_id, kind=kind, fiscal_year=fiscal_year, state__in=APPROVED_STATES
    ).exists():
        return True
    return GateException.objects.filter(system_id=system_id, fiscal_year=fiscal_year, gate=kind).exists()


def cost_write_guard(
    *,
    user,
    system,
    fiscal_year: int,
    stage: str,
    category: str | None = None,
    memo: dict | None = None,
    **_context: Any,
) -> None:
    """``ledger.cost_write``: a 予算額 needs an approved 予算要求前審査 (P) of that system and year."""
    if stage != BUDGET_STAGE:
        return
    setting = gate_setting(memo)
    if setting is None or not setting.applies(fiscal_year):
        return
    if gate_open(system_id=getattr(system, "pk", None), fiscal_year=fiscal_year, kind=CaseKind.PRE_BUDGET):
        return
    raise GateClosed(
        _(
            "%(system)s の%(fy)sの予算額は、予算要求前審査（P）の承認後に登録できます。"
            "審査案件を提出して承認を受けるか、情報政策課に例外の登録を依頼してください。"
        )
        % {"system": system.number if system is not None else "", "fy": fy_text(fiscal_year, style="wareki")}
    )


def _contract_unchanged(contract, systems) -> bool:
    """A saved contract whose year, amount, vendor and systems stay as stored is not "recorded" again
    (a corrected title needs no new approval)."""
    from saiteki.ledger.models import Contract

    if contract.pk is None:
        return False
    stored = Contract.objects.filter(pk=contract.pk).values("fiscal_year", "amount", "vendor_id").first()
    if stored is None:
        return False
    now = {"fiscal_year": contract.fiscal_year, "amount": contract.amount, "vendor_id": contract.vendor_id}
    if stored != now:
        return False
    linked = set(
        Contract.systems.through.objects.filter(contract_id=contract.pk).values_list("system_id", flat=True)
    )
    return linked == {s.pk for s in systems}


def contract_write_guard(*, user, contract, systems, memo: dict | None = None, **_context: Any) -> None:
    """``ledger.contract_write``: a contract needs an approved 契約前審査 (D) of each linked system."""
    setting = gate_setting(memo)
    systems = list(systems or [])
    if setting is None or not setting.applies(contract.fiscal_year):
        return
    if _contract_unchanged(contract, systems):
        return
    missing = [
        s
        for s in systems
        if not gate_open(system_id=s.pk, fiscal_year=contract.fiscal_year, kind=CaseKind.PRE_CONTRACT)
    ]
    if missing:
        raise GateClosed(
            _(
                "%(systems)s の%(fy)sの契約は、契約前審査（D）の承認後に登録できます。"
                "審査案件を提出して承認を受けるか、情報政策課に例外の登録を依頼してください。"
            )
            % {
                "systems": "、".join(s.number for s in missing),
                "fy": fy_text(contract.fiscal_year, style="wareki"),
            },
            fields={"systems": [_("契約前審査（D）が承認されていないシステムがあります。")]},
        )


def register() -> None:
    """Called from the app's ``ready()``: the guards exist exactly when the reviews app is installed."""
    reg.registry.register_guard(GUARD_COST_WRITE, cost_write_guard)
    reg.registry.register_guard(GUARD_CONTRACT_WRITE, contract_write_guard)
