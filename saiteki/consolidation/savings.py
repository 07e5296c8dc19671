"""Savings of a consolidation over N years, every figure a product of named inputs (traceable).

Each cost line (hardware, maintenance, licences, power, migration) is a list of *figures* on the
current side and on the new side; a figure is ``term × term × … ÷ divisor = amount`` with each term's
value and unit kept, so the page and the spreadsheet can print the formula next to the amount and a
reviewer can redo the sum by hand. Energy (kWh) and CO2 are figures too; CO2 is not money and is kept
out of the yen totals.

Assumptions (stated on the result page):
- steady state: every new host runs from the first year of the horizon, every current server until
  it is replaced (the waves stage the purchases; the comparison does not discount or phase them);
- purchase prices and migration costs are one-off; lease, maintenance and licences are yearly;
- power runs all year round (8,760 hours) at the stated average draw.
Pure Python on the stored snapshot — no database access — so it is unit-tested directly.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

HOURS_PER_YEAR = 8760

UNIT_LABELS = {
    "hosts": _("台（新ホスト）"),
    "existing_hosts": _("台（既存ホスト）"),
    "servers": _("台"),
    "units": _("台分（現行）"),
    "machines": _("台（機器）"),
    "cores": _("コア/台"),
    "years": _("年"),
    "yen": _("円"),
    "yen_per_year": _("円/年"),
    "yen_per_unit_year": _("円/台・年"),
    "yen_per_host": _("円/台"),
    "yen_per_core_year": _("円/コア・年"),
    "yen_per_machine": _("円/台"),
    "w": _("W"),
    "hours_per_year": _("時間/年"),
    "kwh": _("kWh"),
    "yen_per_kwh": _("円/kWh"),
    "t_per_kwh": _("t-CO2/kWh"),
}

LINE_LABELS = {
    "hardware": _("ハードウェア（購入・賃借）"),
    "maintenance": _("ハードウェア保守"),
    "licences": _("ソフトウェアライセンス（ホスト・コア単位）"),
    "power": _("電力料金"),
    "migration": _("移行経費（一時）"),
}

FIGURE_LABELS = {
    "ledger_lease": _("台帳のハードウェア賃借（按分後の年額）"),
    "ledger_maintenance": _("台帳のハードウェア保守（按分後の年額）"),
    "default_hw": _("既定値のハードウェア費"),
    "default_maintenance": _("既定値の保守料"),
    "default_licence": _("既定値のライセンス"),
    "purchase": _("購入（一時経費）"),
    "lease": _("賃借"),
    "maintenance": _("保守料"),
    "licence_host": _("ホスト単位ライセンス"),
    "licence_core": _("コア単位ライセンス"),
    "energy_cost": _("電力量 × 単価"),
    "energy": _("電力量"),
    "co2": _("CO2排出量"),
    "migration": _("移行経費"),
}


def figure(key: str, terms: list[tuple[float, str]], *, divisor: float = 1, digits: int = 0) -> dict:
    """``term × term × … ÷ divisor``; yen are rounded to whole yen, other quantities to ``digits``."""
    product = 1.0
    for value, _unit in terms:
        product *= float(value)
    amount = product / divisor
    amount = int(round(amount)) if digits == 0 else round(amount, digits)
    return {"key": key, "terms": [[v, u] for v, u in terms], "divisor": divisor, "amount": amount}


def _line(key: str, current: list[dict], new: list[dict]) -> dict:
    cur = sum(f["amount"] for f in current)
    nxt = sum(f["amount"] for f in new)
    return {
        "key": key,
        "current": current,
        "new": new,
        "current_total": cur,
        "new_total": nxt,
        "saving": cur - nxt,
    }


def compute_savings(*, settings: dict, snapshot: dict, hosts: int, machine_count: int) -> dict:
    """Current servers vs the new hosts over ``settings["horizon_years"]`` years (see module doc)."""
    n = int(settings["horizon_years"])
    hm = settings["host_model"]
    units = snapshot.get("units", [])
    unit_count = round(sum(u["share"] for u in units), 4)
    costs = snapshot.get("costs", {})
    ledger = costs.get("basis") == "ledger"
    hw_default = settings["current_hw_per_server_year"]
    maint_default = settings["current_maintenance_per_server_year"]

    # Hardware and maintenance of the current servers.
    cur_hw: list[dict] = []
    cur_maint: list[dict] = []
    if ledger:
        rows = [r for r in costs.get("rows", []) if r.get("in_ledger")]
        lease = sum(r["allocated_lease"] for r in rows)
        maint = sum(r["allocated_maintenance"] for r in rows)
        cur_hw.append(figure("ledger_lease", [(lease, "yen_per_year"), (n, "years")]))
        cur_maint.append(figure("ledger_maintenance", [(maint, "yen_per_year"), (n, "years")]))
        defaults = len(costs.get("default_servers", []))
        if defaults:
            cur_hw.append(
                figure("default_hw", [(defaults, "servers"), (hw_default, "yen_per_unit_year"), (n, "years")])
            )
            cur_maint.append(
                figure(
                    "default_maintenance",
                    [(defaults, "servers"), (maint_default, "yen_per_unit_year"), (n, "years")],
                )
            )
    else:
        cur_hw.append(
            figure("default_hw", [(unit_count, "units"), (hw_default, "yen_per_unit_year"), (n, "years")])
        )
        cur_maint.append(
            figure(
                "default_maintenance",
                [(unit_count, "units"), (maint_default, "yen_per_unit_year"), (n, "years")],
            )
        )
    new_hw = [figure("purchase", [(hosts, "hosts"), (hm["purchase_price"], "yen_per_host")])]
    if hm["lease_per_year"]:
        new_hw.append(
            figure("lease", [(hosts, "hosts"), (hm["lease_per_year"], "yen_per_unit_year"), (n, "years")])
        )
    new_maint = [
        figure(
            "maintenance", [(hosts, "hosts"), (hm["maintenance_per_year"], "yen_per_unit_year"), (n, "years")]
        )
    ]

    # Licences per host and per core.
    cur_lic = [
        figure(
            "default_licence",
            [
                (unit_count, "units"),
                (settings["current_licence_per_server_year"], "yen_per_unit_year"),
                (n, "years"),
            ],
        )
    ]
    new_lic = [
        figure(
            "licence_host",
            [(hosts, "hosts"), (hm["licence_per_host_per_year"], "yen_per_unit_year"), (n, "years")],
        ),
        figure(
            "licence_core",
            [
                (hosts, "hosts"),
                (hm["cpu_cores"], "cores"),
                (hm["licence_per_core_per_year"], "yen_per_core_year"),
                (n, "years"),
            ],
        ),
    ]

    # Power: kWh over the horizon, then yen and CO2 from the scenario's factors.
    current_w = round(sum(u["power_w"] * u["share"] for u in units), 1)
    new_w = hosts * hm["power_w"]
    cur_kwh = figure(
        "energy", [(current_w, "w"), (HOURS_PER_YEAR, "hours_per_year"), (n, "years")], divisor=1000, digits=1
    )
    new_kwh = figure(
        "energy", [(new_w, "w"), (HOURS_PER_YEAR, "hours_per_year"), (n, "years")], divisor=1000, digits=1
    )
    price = settings["yen_per_kwh"]
    factor = settings["co2_t_per_kwh"]
    cur_pow = [figure("energy_cost", [(cur_kwh["amount"], "kwh"), (price, "yen_per_kwh")])]
    new_pow = [figure("energy_cost", [(new_kwh["amount"], "kwh"), (price, "yen_per_kwh")])]
    cur_co2 = figure("co2", [(cur_kwh["amount"], "kwh"), (factor, "t_per_kwh")], digits=2)
    new_co2 = figure("co2", [(new_kwh["amount"], "kwh"), (factor, "t_per_kwh")], digits=2)

    new_mig = [
        figure(
            "migration",
            [(machine_count, "machines"), (settings["migration_cost_per_machine"], "yen_per_machine")],
        )
    ]

    lines = [
        _line("hardware", cur_hw, new_hw),
        _line("maintenance", cur_maint, new_maint),
        _line("licences", cur_lic, new_lic),
        _line("power", cur_pow, new_pow),
        _line("migration", [], new_mig),
    ]
    current_total = sum(line["current_total"] for line in lines)
    new_total = sum(line["new_total"] for line in lines)
    return {
        "years": n,
        "current_units": unit_count,
        "hosts": hosts,
        "lines": lines,
        "current_total": current_total,
        "new_total": new_total,
        "saving": current_total - new_total,
        "saving_pct": round((current_total - new_total) * 100.0 / current_total, 1)
        if current_total
        else None,
        "energy": {
            "current": cur_kwh,
            "new": new_kwh,
            "saving_kwh": round(cur_kwh["amount"] - new_kwh["amount"], 1),
            "current_w": current_w,
            "new_w": new_w,
        },
        "co2": {
            "current": cur_co2,
            "new": new_co2,
            "saving_t": round(cur_co2["amount"] - new_co2["amount"], 2),
        },
    }


def formula_text(fig: dict, unit_labels: dict | None = None) -> str:
    """「14 台 × 500,000 円/台・年 × 5 年 = 35,000,000」 — for the page and the spreadsheet."""
    labels = unit_labels or UNIT_LABELS
    parts = [f"{_fmt(v)} {labels.get(u, u)}" for v, u in fig["terms"]]
    text = " × ".join(parts)
    if fig.get("divisor", 1) not in (1, 1.0):
        text += f" ÷ {_fmt(fig['divisor'])}"
    return f"{text} = {_fmt(fig['amount'])}"


def _fmt(v) -> str:
    if isinstance(v, float) and not v.is_integer():
        s = f"{v:,.7f}".rstrip("0").rstrip(".")
        return s
    return f"{int(v):,}"
