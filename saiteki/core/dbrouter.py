"""Reads on a PostgreSQL hot standby, writes on the primary, and read-your-writes for whoever just wrote.

For the shared national service one database server is not enough for the reads; PostgreSQL's own
streaming replication gives a hot standby that answers SELECTs. Which requests may read from it is a
decision about the *request*, not about a model, so it is made once per request by
:class:`ReplicaRoutingMiddleware` and read by :class:`PrimaryReplicaRouter`:

- a ``GET``/``HEAD``/``OPTIONS`` request (pages and API reads) reads from the standby ("replica" alias);
- everything else reads and writes the primary ("default");
- after a request that wrote (any unsafe method, or a safe one whose view wrote business data) the
  response sets a short-lived cookie (``SAITEKI_REPLICA_PIN_SECONDS``, 10 s) and that browser or API
  client reads from the primary until it expires — a user who saved a form sees the save on the next
  page even if the standby is a moment behind;
- within a request, once something was written, or inside a transaction, reads go to the primary too;
- sessions and login lockouts always live on the primary (a standby a moment behind must not log
  anybody out or forget a failed attempt);
- a standby that does not answer or lags more than ``SAITEKI_REPLICA_MAX_LAG_SECONDS`` is skipped
  (checked at most every few seconds per process): reads fall back to the primary, nothing fails.

Without ``REPLICA_DATABASE_URL`` there is no "replica" alias: the middleware removes itself at start-up
and the router is not installed (config/settings/replica.py). See docs/deploy.md 「読み取りレプリカ」.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
#: The cookie that pins a client to the primary; its value is the Unix time the pin ends.
PIN_COOKIE = "saiteki_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Apps whose rows are read and written on the primary only (see the module docstring).
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes"})
#: How often a process asks the standby whether it is usable.
HEALTH_INTERVAL_SECONDS = 5.0


@dataclass
class RequestRoute:
    """The routing decision of the current request."""

    use_replica: bool
    wrote: bool = False
    used_replica: bool = False


_route: ContextVar[RequestRoute | None] = ContextVar("saiteki_db_route", default=None)


def current_route() -> RequestRoute | None:
    return _route.get()


@contextmanager
def request_route(route: RequestRoute) -> Iterator[RequestRoute]:
    """Route the reads of the enclosed code as the middleware routes a request's (also for code outside
    a request that may read slightly old data, e.g. a report: ``request_route(RequestRoute(True))``)."""
    token = _route.set(route)
    try:
        yield route
    finally:
        _route.reset(token)


class PrimaryReplicaRouter:
    """Django database router: the standby only for reads of a request the middleware marked read-only."""

    def db_for_read(self, model, **hints) -> str:
        route = _route.get()
        if route is None or not route.use_replica or route.wrote:
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            # A transaction reads what it wrote, and select_for_update needs the primary anyway.
            return PRIMARY
        route.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None and model._meta.app_label not in PRIMARY_ONLY_APPS:
            route.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same rows: an object read from the standby may point at one from the primary.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # A hot standby is read-only; it receives the schema through replication.
        return db == PRIMARY


class _ReplicaHealth:
    """Whether the standby answers and is not too far behind; asked at most every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._usable = True

    def usable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < HEALTH_INTERVAL_SECONDS:
            return self._usable
        with self._lock:
            if now - self._checked_at >= HEALTH_INTERVAL_SECONDS:
                self._usable = self._check()
                self._checked_at = time.monotonic()
        return self._usable

    def reset(self) -> None:
        self._checked_at = 0.0
        self._usable = True

    @staticmethod
    def _check() -> bool:
        max_lag = float(getattr(settings, "SAITEKI_REPLICA_MAX_LAG_SECONDS", 30))
        try:
            with connections[REPLICA].cursor() as cursor:
                # Lag 0 when everything received is replayed; otherwise the age of the last replayed
                # transaction (PostgreSQL's usual standby lag measure).
                cursor.execute(
                    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
                    " END"
                )
                row = cursor.fetchone()
                lag = float(row[0] or 0) if row else 0.0
        except DatabaseError as exc:
            logger.warning("読み取りレプリカに接続できないため、主サーバーから読み取ります: %s", exc)
            connections[REPLICA].close()
            return False
        if lag > max_lag:
            logger.warning("読み取りレプリカの遅延が %.1f 秒のため、主サーバーから読み取ります。", lag)
            return False
        return True


replica_health = _ReplicaHealth()


def is_pinned(request) -> bool:
    """True while the client's pin cookie (set after it wrote) has not run out."""
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return False
    return until > time.time()


class ReplicaRoutingMiddleware:
    """Marks each request read-only or not for the router, and pins clients that wrote to the primary."""

    def __init__(self, get_response):
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        route = RequestRoute(use_replica=safe and not is_pinned(request) and replica_health.usable())
        request.db_route = route
        with request_route(route):
            response = self.get_response(request)
        if not safe or route.wrote:
            seconds = int(getattr(settings, "SAITEKI_REPLICA_PIN_SECONDS", 10))
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
