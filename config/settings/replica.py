"""Read replica (docs/deploy.md 「読み取りレプリカ」): a PostgreSQL hot standby for read-only requests.

``REPLICA_DATABASE_URL`` names the standby; without it there is one database and no router (the
default). The router and the middleware that decide which requests read from it live in
``saiteki/core/dbrouter.py``.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

from config import env
from config.settings.directory import Getter

ROUTER = "saiteki.core.dbrouter.PrimaryReplicaRouter"


def replica_databases(get: Getter = env.get) -> dict[str, Any]:
    """``{"replica": {...}}`` for DATABASES, or {} when no standby is configured."""
    url = (get("REPLICA_DATABASE_URL") or "").strip()
    if not url:
        return {}
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # Tests never create a second test database: the replica alias reads the test primary.
    db["TEST"] = {"MIRROR": "default"}
    return {"replica": db}


def replica_routers(databases: dict[str, Any]) -> list[str]:
    return [ROUTER] if "replica" in databases else []


#: How long a user who wrote reads from the primary (read-your-writes across the replication lag).
PIN_SECONDS = int(env.get("REPLICA_PIN_SECONDS") or 10)
#: A standby further behind than this (or not answering) is skipped: reads go to the primary.
MAX_LAG_SECONDS = float(env.get("REPLICA_MAX_LAG_SECONDS") or 30)
