"""Support status of a component on a date, from its effective dates (pure, no Django models).

The catalogue records each phase end as a date, ``true`` (ended, date unknown), ``false`` (not ended
or not decided) or absent. For filtering in the database the three phases are stored per component as
dates, with two sentinels: :data:`ENDED` (long past) for ``true`` and :data:`OPEN` (far future) for an
extended-support phase that exists but has no end yet. A phase that "ends on" a date is over on that
date (endoflife.date's own rule: ``eol <= today`` is end of life).
"""

from __future__ import annotations

import datetime

from saiteki.lifecycle.choices import RISK_ORDER, RiskStatus

ENDED = datetime.date(1900, 1, 1)
OPEN = datetime.date(9999, 12, 31)


def phase_date(value, *, open_if_false: bool = False) -> datetime.date | None:
    """A catalogue phase value as a date: a date string, ``true`` → :data:`ENDED`, ``false`` → None
    (or :data:`OPEN` for the extended phase, which then exists but has not ended), absent → None."""
    if value is True or value == "true":
        return ENDED
    if value is False or value == "false":
        return OPEN if open_if_false else None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def status_on(
    on: datetime.date,
    *,
    support: datetime.date | None,
    eol: datetime.date | None,
    extended: datetime.date | None,
    known: bool = True,
) -> str:
    """The :class:`RiskStatus` on ``on``. ``known`` False (no catalogue cycle, no override) → unknown."""
    if not known:
        return RiskStatus.UNKNOWN
    if eol is not None and eol <= on:
        if extended is not None and extended > on:
            return RiskStatus.EXTENDED_ONLY
        return RiskStatus.PAST_EOL
    if support is not None and support <= on:
        return RiskStatus.SECURITY_ONLY
    return RiskStatus.SUPPORTED


def worst(statuses) -> str:
    """The roll-up of several statuses (a server's or a system's): the worst known one, unknown only
    when nothing is known."""
    present = set(statuses)
    for status in RISK_ORDER:
        if status in present:
            return status
    return RiskStatus.UNKNOWN
