"""Fixtures shared by the whole suite."""

import os

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from saiteki.core.testing import make_org_tree, make_role_users

# Playwright's sync API runs an event loop in the test thread; the ORM calls of live-server tests are
# still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def orgs(db):
    return make_org_tree()


@pytest.fixture
def role_users(orgs):
    return make_role_users(orgs)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site language (Japanese).

    A test that switches to English (the English catalogue, the language menu) would otherwise leave
    it active in its worker, and a later test's ``str(obj)`` would no longer match the Japanese page.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    from saiteki.core.testing import browser_launch_kwargs

    return browser_launch_kwargs()
