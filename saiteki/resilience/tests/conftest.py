import pytest


@pytest.fixture
def standards(db):
    """The shipped standard (a transactional test may have flushed the migration's rows)."""
    from saiteki.resilience import services
    from saiteki.resilience.models import BackupStandard

    services.standards_ensure()
    return {s.importance: s for s in BackupStandard.objects.all()}


@pytest.fixture
def world(orgs, standards):
    from saiteki.resilience.tests.factories import make_world

    return make_world(orgs)
