import datetime

import pytest

from saiteki.lifecycle import catalogue as cat
from saiteki.lifecycle.matching import CatalogueCycle, Matcher


@pytest.fixture(scope="session")
def shipped_matcher() -> Matcher:
    rows = cat.load_shipped()
    products = {r.product: cat.PRODUCTS.get(r.product, (r.product, ""))[0] for r in rows}
    return Matcher(products, [CatalogueCycle(r.product, r.cycle, r.label) for r in rows])


@pytest.fixture
def catalogue(db):
    """The shipped catalogue in the database (a transactional test may have flushed the migration's)."""
    from saiteki.lifecycle import services

    services.catalogue_load_shipped()
    services.matcher_reset()
    return True


TODAY = datetime.date.today()


@pytest.fixture
def ledger(orgs, catalogue):
    """Two systems: 県税 runs Windows Server 2012 R2 (past EOL) and has a 2019 build cost; 図書館 has
    a matched PostgreSQL and a product the catalogue does not know."""
    from saiteki.ledger.models import Component
    from saiteki.ledger.tests.factories import make_cost, make_server, make_system
    from saiteki.lifecycle import services

    tax = make_system(orgs["税務課"], number="S-TAX", name="県税システム")
    lib = make_system(orgs["県立図書館"], number="S-LIB", name="図書館システム")
    sv = make_server([tax], name="sv-tax-1", maintenance_end=datetime.date(TODAY.year + 3, 3, 31))
    comps = {
        "ws2012": Component.objects.create(
            system=tax, server=sv, product="Windows Server 2012 R2", edition="Standard"
        ),
        "sql": Component.objects.create(system=tax, product="SQL Server", product_version="2016 SP3"),
        "pg": Component.objects.create(system=lib, product="PostgreSQL", product_version="15.4"),
        "odd": Component.objects.create(system=lib, product="財務会計パッケージ", product_version="5"),
    }
    make_cost(tax, fiscal_year=2019, category="design_dev", stage="actual", amount=30_000_000)
    make_cost(tax, fiscal_year=2019, category="hw_purchase", stage="actual", amount=12_000_000)
    services.components_match()
    return {"tax": tax, "lib": lib, "server": sv, **comps}
