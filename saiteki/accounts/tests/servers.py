"""Real servers for the directory-login tests, started with the scripts in scripts/testservers/.

The scripts are the same a developer runs by hand; a test that needs a server asks for the fixture in
``conftest.py`` and gets a running one or a skip that says exactly what is missing (``make test``
installs slapd, so the skip only happens on a machine where it cannot be installed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

from django.conf import settings

SCRIPTS = Path(settings.BASE_DIR) / "scripts" / "testservers"
SUFFIX = "dc=saiteki,dc=test"
SEED = Path(__file__).parent / "data" / "directory.ldif"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slapd_missing() -> str | None:
    """Why no OpenLDAP server can be started here, or None."""
    for program in ("/usr/sbin/slapd", "/usr/sbin/slapadd"):
        if not os.access(program, os.X_OK):
            return f"{program} がありません（apt-get install slapd ldap-utils。make test が入れます）"
    if shutil.which("ldapsearch") is None:
        return "ldapsearch がありません（apt-get install ldap-utils）"
    return None


class Slapd:
    """A throwaway OpenLDAP seeded from data/directory.ldif on a free loopback port."""

    def __init__(self) -> None:
        self.dir = (
            Path(settings.BASE_DIR) / "var" / "testservers" / f"slapd-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}/"

    def start(self) -> None:
        subprocess.run(
            [SCRIPTS / "slapd.sh", "start", self.dir, str(self.port), SUFFIX, SEED],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self) -> None:
        subprocess.run([SCRIPTS / "slapd.sh", "stop", self.dir], check=False, capture_output=True, timeout=60)

    def env(self, **extra: str) -> dict[str, str]:
        """The LDAP_* variables a prefecture would set for this directory (config/settings/directory.py)."""
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": f"cn=admin,{SUFFIX}",
            "LDAP_BIND_PASSWORD": "admin",
            "LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
            "LDAP_GROUP_SEARCH_BASE": f"ou=groups,{SUFFIX}",
            "LDAP_TIMEOUT": "3",
            **extra,
        }
