"""Load the shipped EOL snapshot (endoflife.date, MIT) as the initial catalogue of a new install.

Historical models and a plain bulk insert: the initial catalogue is installation data, not a change
anyone made (later refreshes are logged). Skipped when the catalogue already has rows.
"""

import datetime

from django.db import migrations


def load(apps, schema_editor):
    from saiteki.lifecycle import catalogue as cat

    Product = apps.get_model("lifecycle", "Product")
    Cycle = apps.get_model("lifecycle", "Cycle")
    if Cycle.objects.exists():
        return
    products = {}
    order = {}
    cycles = []
    for row in cat.load_shipped():
        if row.product not in products:
            title, category = cat.PRODUCTS.get(row.product, (row.product, "other"))
            products[row.product] = Product.objects.create(slug=row.product, title=title, category=category)
        order[row.product] = order.get(row.product, 0) + 1
        values = row.values()
        values["release_date"] = (
            datetime.date.fromisoformat(values["release_date"]) if values["release_date"] else None
        )
        cycles.append(Cycle(product=products[row.product], cycle=row.cycle, sort_order=order[row.product], **values))
    Cycle.objects.bulk_create(cycles, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
