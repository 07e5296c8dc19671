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
