"""Fixtures for the directory-login tests: a real OpenLDAP server for the whole session."""

from __future__ import annotations

import pytest

from .servers import Slapd, slapd_missing


@pytest.fixture(scope="session")
def ldap_server():
    missing = slapd_missing()
    if missing:
        pytest.skip(f"OpenLDAP を起動できません: {missing}")
    server = Slapd()
    server.start()
    try:
        yield server
    finally:
        server.stop()
