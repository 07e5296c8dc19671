"""Cooperative cancellation of a search that is running in another thread.

A cancelled run must not keep a solver thread busy until its time limit (on a 2-core machine that is
one core lost for minutes).  The searches are all anytime loops that compare a clock with a deadline, so
cancellation is carried by the clock: inside :func:`watching`, :func:`now` returns ``+inf`` as soon as
the caller's ``should_stop`` says so, every "before the deadline?" test fails at once and each phase
ends at its next check (the tabu search checks every 16 moves).  The native solvers (CP-SAT, the LP of
the arc-flow bound) are interrupted from a small watcher thread (:func:`interrupting`).  The entry
points (``solve``, ``solve_packing``) then raise :class:`Cancelled` instead of returning a result.

The check is per thread (the worker thread that runs the search sets it), so concurrent searches in
other threads are not affected.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ShouldStop = Callable[[], bool]

_local = threading.local()

#: How often the watcher thread of a native solve asks ``should_stop`` (seconds).
POLL_SECONDS = 0.1


class Cancelled(Exception):  # noqa: N818 - the caller's word for it, like KeyboardInterrupt
    """The caller asked the search to stop; no result is returned."""


def _check() -> ShouldStop | None:
    return getattr(_local, "check", None)


@contextmanager
def watching(should_stop: ShouldStop | None) -> Iterator[None]:
    """Within the block, this thread's searches stop once ``should_stop()`` is true.  ``None`` keeps an
    enclosing block's check (a plan over fiscal years runs many packings under one check)."""
    previous = _check()
    _local.check = should_stop if should_stop is not None else previous
    try:
        yield
    finally:
        _local.check = previous


def requested() -> bool:
    """True once the enclosing :func:`watching` block's ``should_stop`` said so."""
    check = _check()
    return bool(check is not None and check())


def now() -> float:
    """The clock the searches compare with their deadlines: ``time.monotonic()``, or ``+inf`` once a stop
    was requested (every deadline has then passed)."""
    return math.inf if requested() else time.monotonic()


def raise_if_requested() -> None:
    if requested():
        raise Cancelled


@contextmanager
def interrupting(interrupt: Callable[[], object]) -> Iterator[None]:
    """Call ``interrupt`` (e.g. CP-SAT's ``stop_search``) from a watcher thread if a stop is requested
    while the block runs a native solve that does not look at our clock."""
    check = _check()
    if check is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(POLL_SECONDS):
            if check():
                interrupt()
                return

    watcher = threading.Thread(target=watch, name="optimizer-stop-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
