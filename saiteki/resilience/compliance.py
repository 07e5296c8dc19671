"""The backup standard's rule: which requirements a system's practice meets (SPEC C10, Okayama 3.1.2).

The rule is written here once, as plain functions of plain values (no database), and read in two ways:

* :func:`evaluate` — one system at a time, with the unmet requirements named in Japanese (the karte,
  the list's 「未達成の要件」 column, the as-of evaluation of a closed fiscal year);
* :func:`saiteki.resilience.selectors.compliance_q` — the same rule as database conditions, so the
  dashboard and the KPI count 400,000 systems in SQL. ``tests/test_compliance.py`` checks on a grid of
  cases that both say the same for every requirement.

**Data importance** is derived from the ledger's classification, never entered: the higher of
完全性 (integrity) and 可用性 (availability), 1–3. Those two say what losing or not having the data
costs, which is what a backup is for; 機密性 (confidentiality) says what leaking it costs — that governs
how the copies are protected, not how often or how many are kept, so it does not raise the backup
requirement.

**Which systems count**: those in operation (運用中・更改予定). A system being planned or built has no
data yet; a retired one none any more.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import FREQUENCY_RANK, BackupFrequency, DataImportance, Requirement


def importance_of(integrity: int | None, availability: int | None) -> int:
    """Data importance (1–3): the higher of integrity and availability (missing counts as 2, the
    ledger's default)."""
    return max(int(integrity or 2), int(availability or 2))


def frequencies_meeting(required: str) -> list[str]:
    """Every frequency at least as frequent as ``required`` (``none`` required: any, even none)."""
    limit = FREQUENCY_RANK.get(required, 9)
    return [f for f, rank in FREQUENCY_RANK.items() if rank <= limit]


def months_before(on: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the month's last day when it has no such day)."""
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    month = m + 1
    return datetime.date(y, month, min(on.day, calendar.monthrange(y, month)[1]))


def months_after(on: datetime.date, months: int) -> datetime.date:
    return months_before(on, -months)


def restore_cutoff(on: datetime.date, months: int) -> datetime.date | None:
    """The earliest restore-test date still within the interval on ``on`` (None: no test required).

    A test on the cutoff day itself still counts: 「直近Nか月以内」 is read as on or after the same day N
    months earlier."""
    return months_before(on, months) if months else None


@dataclass(frozen=True)
class StandardFacts:
    """What the standard requires for one importance."""

    importance: int
    frequency: str
    generations: int
    offsite_required: bool
    offline_required: bool
    restore_test_months: int


@dataclass(frozen=True)
class PracticeFacts:
    """What a system does (None fields read as "not done")."""

    frequency: str
    generations: int
    offsite_location: str
    offline_copy: bool
    last_restore_test: datetime.date | None


@dataclass(frozen=True)
class Unmet:
    requirement: str
    message: str


def _frequency_label(value: str) -> str:
    return str(BackupFrequency(value).label) if value in BackupFrequency.values else value


def _date(value: datetime.date) -> str:
    from saiteki.core.display import date_text

    return date_text(value)


def evaluate(
    standard: StandardFacts | None, practice: PracticeFacts | None, *, on: datetime.date
) -> list[Unmet]:
    """The requirements the practice does not meet on ``on``, in the standard's order; [] = compliant.

    Without a standard for the importance nothing can be judged (one "standard" item); without a
    practice nothing is known (one "answered" item): both count as not compliant.
    """
    if standard is None:
        return [Unmet(Requirement.STANDARD, _("この重要度のバックアップ基準が定められていません。"))]
    if practice is None:
        return [Unmet(Requirement.ANSWERED, _("バックアップの実施状況が登録されていません。"))]
    out: list[Unmet] = []
    if FREQUENCY_RANK.get(practice.frequency, 9) > FREQUENCY_RANK.get(standard.frequency, 9):
        out.append(
            Unmet(
                Requirement.FREQUENCY,
                _("取得頻度が基準を満たしていません（基準: %(req)s、現状: %(now)s）。")
                % {"req": _frequency_label(standard.frequency), "now": _frequency_label(practice.frequency)},
            )
        )
    if (practice.generations or 0) < standard.generations:
        out.append(
            Unmet(
                Requirement.GENERATIONS,
                _("保管世代数が不足しています（基準: %(req)s世代以上、現状: %(now)s世代）。")
                % {"req": standard.generations, "now": practice.generations or 0},
            )
        )
    if standard.offsite_required and not (practice.offsite_location or "").strip():
        out.append(Unmet(Requirement.OFFSITE, _("遠隔地（庁舎外）への保管がありません。")))
    if standard.offline_required and not practice.offline_copy:
        out.append(
            Unmet(
                Requirement.OFFLINE, _("オフラインまたは改ざん防止（イミュータブル）のコピーがありません。")
            )
        )
    cutoff = restore_cutoff(on, standard.restore_test_months)
    if cutoff is not None:
        last = practice.last_restore_test
        if last is None:
            out.append(
                Unmet(
                    Requirement.RESTORE_TEST,
                    _("リストア試験の実施記録がありません（基準: %(m)sか月ごと）。")
                    % {"m": standard.restore_test_months},
                )
            )
        elif last < cutoff:
            out.append(
                Unmet(
                    Requirement.RESTORE_TEST,
                    _("直近%(m)sか月以内にリストア試験が実施されていません（前回: %(last)s）。")
                    % {"m": standard.restore_test_months, "last": _date(last)},
                )
            )
    return out


def next_restore_due(standard: StandardFacts | None, last: datetime.date | None) -> datetime.date | None:
    """When the next restore test is due (for the karte); None when none is required or none was done."""
    if standard is None or not standard.restore_test_months or last is None:
        return None
    return months_after(last, standard.restore_test_months)


#: The standard shipped with the app (migration 0002) — a starting point admins adjust.
DEFAULT_STANDARDS = (
    StandardFacts(DataImportance.HIGH, BackupFrequency.DAILY, 7, True, True, 12),
    StandardFacts(DataImportance.MEDIUM, BackupFrequency.DAILY, 3, True, False, 24),
    StandardFacts(DataImportance.LOW, BackupFrequency.WEEKLY, 2, False, False, 0),
)
