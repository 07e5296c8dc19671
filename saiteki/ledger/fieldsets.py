"""The editable fields of each ledger model, in display order — one list shared by the edit form,
the detail page and the API serializer so that a new field is added in one place."""

SERVER_FIELDS = (
    "name", "kind", "host", "segment", "vcpu", "memory_gib", "storage_gib", "cpu_avg_pct", "cpu_peak_pct",
    "mem_avg_pct", "mem_peak_pct", "power_w", "location", "maintenance_end", "redundancy_group", "systems",
)  # fmt: skip

CONTRACT_FIELDS = (
    "number", "title", "vendor", "procurement_method", "fiscal_year", "start", "end", "amount", "systems",
)  # fmt: skip

COMPONENT_FIELDS = ("system", "server", "product", "edition", "product_version")
