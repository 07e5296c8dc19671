"""Editable fields of the planner's models, in display order — shared by the edit form, the detail
page and the API serializer so that a new field is added in one place."""

HOST_MODEL_FIELDS = (
    "name", "product", "cpu_cores", "memory_gib", "storage_gib", "purchase_price", "lease_per_year",
    "maintenance_per_year", "licence_per_host_per_year", "licence_per_core_per_year", "power_w", "notes",
)  # fmt: skip
