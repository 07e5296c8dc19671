"""Who is changing what, and why — carried through one request, one import or one command.

The change log needs the acting user, a request id (shared by every row one bulk operation writes) and
an optional reason. Passing them through every service signature would clutter business code, so they
travel in context variables, set by :class:`~saiteki.core.middleware.RequestContextMiddleware` for web
requests and by :func:`change_context` for services, imports, jobs and management commands.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ChangeContext:
    user: object | None = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)
    reason: str = ""
    # Set to False to skip change logging (only for the scale-data generator of the benchmark).
    enabled: bool = True
    # The web request, read lazily: authentication (session or DRF token) happens after the middleware
    # opened the context, so the user is looked up when a change is written, not when the request starts.
    request: object | None = None
    # Open change batch (see saiteki.core.changelog.change_batch): object key → (instance, action, before).
    pending: dict | None = None
    # Historical data (demo data, migrations of old ledgers) may record when a change really happened.
    at: datetime.datetime | None = None

    def actor(self):
        """The user responsible for the change, or None for system actions."""
        if self.user is not None:
            return self.user
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_current: ContextVar[ChangeContext | None] = ContextVar("saiteki_change_context", default=None)


def current() -> ChangeContext:
    ctx = _current.get()
    if ctx is None:
        ctx = ChangeContext()
        _current.set(ctx)
    return ctx


@contextlib.contextmanager
def change_context(
    *,
    user: object | None = None,
    reason: str | None = None,
    request_id: uuid.UUID | None = None,
    enabled: bool | None = None,
    request: object | None = None,
    pending: dict | None = None,
    at: datetime.datetime | None = None,
) -> Iterator[ChangeContext]:
    """Run a block with a given actor/reason; nested blocks inherit what they do not override.

    An empty reason inherits too: services pass the reason of their own form or argument (often
    blank), which must not wipe the reason the request already carries (``X-Change-Reason``).

    A new request id is made only when none is active, so every row written by one import or one bulk
    edit shares one id and can be shown together.
    """

    parent = _current.get()
    base = parent or ChangeContext()
    updates: dict = {}
    if user is not None:
        updates["user"] = user
    if reason:
        updates["reason"] = reason
    if request_id is not None:
        updates["request_id"] = request_id
    if enabled is not None:
        updates["enabled"] = enabled
    if request is not None:
        updates["request"] = request
    if pending is not None:
        updates["pending"] = pending
    if at is not None:
        updates["at"] = at
    ctx = replace(base, **updates)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
