"""A posted ``next`` brings the officer back to the page they came from, never to another site."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from saiteki.core.views.redirects import safe_target


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ledger/systems/?q=税", "/ledger/systems/?q=税"),
        ("http://testserver/kpi/", "http://testserver/kpi/"),
        ("https://evil.example/login", "/fallback/"),
        ("//evil.example/login", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("", "/fallback/"),
        (None, "/fallback/"),
    ],
)
def test_only_urls_of_this_site_are_followed(target, expected):
    request = RequestFactory().post("/")
    assert safe_target(request, target, "/fallback/") == expected
