"""Savings arithmetic: every figure is the product of its stated terms, and the totals add up."""

from saiteki.consolidation.savings import compute_savings, figure, formula_text

HOST_MODEL = {
    "cpu_cores": 32,
    "memory_gib": 512,
    "storage_gib": 10000,
    "purchase_price": 3_000_000,
    "lease_per_year": 0,
    "maintenance_per_year": 300_000,
    "licence_per_host_per_year": 100_000,
    "licence_per_core_per_year": 10_000,
    "power_w": 600,
}
SETTINGS = {
    "horizon_years": 5,
    "host_model": HOST_MODEL,
    "current_hw_per_server_year": 1_000_000,
    "current_maintenance_per_server_year": 200_000,
    "current_licence_per_server_year": 50_000,
    "yen_per_kwh": 30.0,
    "co2_t_per_kwh": 0.000441,
    "migration_cost_per_machine": 100_000,
}


def _product(fig):
    p = 1.0
    for v, _u in fig["terms"]:
        p *= v
    return p / fig["divisor"]


def test_defaults_basis_figures():
    snapshot = {
        "units": [
            {"name": "VH-1", "kind": "host", "share": 1.0, "power_w": 900},
            {"name": "VH-2", "kind": "host", "share": 0.5, "power_w": 900},
        ],
        "costs": {"basis": "defaults"},
    }
    s = compute_savings(settings=SETTINGS, snapshot=snapshot, hosts=1, machine_count=3)
    lines = {line["key"]: line for line in s["lines"]}
    # Current: 1.5 units × ¥1,000,000 × 5 years.
    assert lines["hardware"]["current_total"] == 7_500_000
    # New: 1 host × ¥3,000,000 purchase (one-off).
    assert lines["hardware"]["new_total"] == 3_000_000
    assert (
        lines["maintenance"]["current_total"] == 1_500_000 and lines["maintenance"]["new_total"] == 1_500_000
    )
    # Licences: 1.5 × 50,000 × 5 = 375,000 vs 1 × 100,000 × 5 + 1 × 32 × 10,000 × 5 = 2,100,000.
    assert lines["licences"]["current_total"] == 375_000 and lines["licences"]["new_total"] == 2_100_000
    # Power: 1,350 W × 8,760 h × 5 y ÷ 1,000 = 59,130 kWh × ¥30; new 600 W → 26,280 kWh.
    assert s["energy"]["current"]["amount"] == 59_130.0 and s["energy"]["new"]["amount"] == 26_280.0
    assert lines["power"]["current_total"] == 1_773_900 and lines["power"]["new_total"] == 788_400
    assert s["co2"]["current"]["amount"] == round(59_130 * 0.000441, 2)
    assert s["co2"]["saving_t"] == round(59_130 * 0.000441 - 26_280 * 0.000441, 2)
    assert lines["migration"]["new_total"] == 300_000 and lines["migration"]["current_total"] == 0
    # Totals add up, and every figure equals the product of its terms.
    assert s["current_total"] == sum(line["current_total"] for line in s["lines"])
    assert s["new_total"] == sum(line["new_total"] for line in s["lines"])
    assert s["saving"] == s["current_total"] - s["new_total"]
    for line in s["lines"]:
        for fig in line["current"] + line["new"]:
            assert fig["amount"] == round(_product(fig))
        assert line["saving"] == line["current_total"] - line["new_total"]


def test_ledger_basis_uses_allocated_amounts_and_defaults_for_unpriced_servers():
    snapshot = {
        "units": [{"name": "sv-1", "kind": "server", "share": 1.0, "power_w": 400}] * 3,
        "costs": {
            "basis": "ledger",
            "rows": [
                {"in_ledger": True, "allocated_lease": 600_000, "allocated_maintenance": 150_000},
                {"in_ledger": False, "allocated_lease": 0, "allocated_maintenance": 0},
            ],
            "default_servers": ["sv-9"],
        },
    }
    s = compute_savings(
        settings={**SETTINGS, "host_model": {**HOST_MODEL, "lease_per_year": 500_000}},
        snapshot=snapshot,
        hosts=2,
        machine_count=3,
    )
    hw = next(line for line in s["lines"] if line["key"] == "hardware")
    # 600,000 × 5 from the ledger + 1 unpriced server × 1,000,000 × 5.
    assert [f["amount"] for f in hw["current"]] == [3_000_000, 5_000_000]
    # 2 hosts × 3,000,000 purchase + 2 × 500,000 × 5 lease.
    assert [f["key"] for f in hw["new"]] == ["purchase", "lease"]
    assert hw["new_total"] == 6_000_000 + 5_000_000
    maint = next(line for line in s["lines"] if line["key"] == "maintenance")
    assert maint["current_total"] == 150_000 * 5 + 200_000 * 5


def test_formula_text_shows_the_terms():
    fig = figure("energy", [(1350, "w"), (8760, "hours_per_year"), (5, "years")], divisor=1000, digits=1)
    assert formula_text(fig, {"w": "W", "hours_per_year": "時間/年", "years": "年"}) == (
        "1,350 W × 8,760 時間/年 × 5 年 ÷ 1,000 = 59,130"
    )
    co2 = figure("co2", [(59130.0, "kwh"), (0.000441, "t_per_kwh")], digits=2)
    assert "0.000441" in formula_text(co2) and co2["amount"] == 26.08
