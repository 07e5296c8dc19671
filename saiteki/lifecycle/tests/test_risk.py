"""Support status at boundary dates (pure) and the roll-up to servers and systems."""

import datetime

from saiteki.lifecycle.choices import RiskStatus
from saiteki.lifecycle.risk import ENDED, OPEN, phase_date, status_on, worst

D = datetime.date


def at(on, support="2022-01-11", eol="2027-01-12", extended="2030-01-12"):
    return status_on(
        on,
        support=phase_date(support),
        eol=phase_date(eol),
        extended=phase_date(extended, open_if_false=True),
    )


def test_windows_server_2016_phases_at_their_boundary_days():
    assert at(D(2022, 1, 10)) == RiskStatus.SUPPORTED
    assert at(D(2022, 1, 11)) == RiskStatus.SECURITY_ONLY  # a phase ends on its day
    assert at(D(2027, 1, 11)) == RiskStatus.SECURITY_ONLY
    assert at(D(2027, 1, 12)) == RiskStatus.EXTENDED_ONLY
    assert at(D(2030, 1, 11)) == RiskStatus.EXTENDED_ONLY
    assert at(D(2030, 1, 12)) == RiskStatus.PAST_EOL


def test_without_extended_support_eol_means_past_eol():
    assert at(D(2024, 6, 29), support="2020-08-06", eol="2024-06-30", extended="") == RiskStatus.SECURITY_ONLY
    assert at(D(2024, 6, 30), support="2020-08-06", eol="2024-06-30", extended="") == RiskStatus.PAST_EOL


def test_catalogue_booleans():
    assert phase_date(True) == ENDED and phase_date("true") == ENDED
    assert phase_date(False) is None and phase_date(False, open_if_false=True) == OPEN
    assert at(D(2026, 1, 1), support="true", eol="true", extended="") == RiskStatus.PAST_EOL
    assert at(D(2026, 1, 1), support="true", eol="false", extended="") == RiskStatus.SECURITY_ONLY
    assert at(D(2026, 1, 1), support="", eol="2025-01-01", extended="false") == RiskStatus.EXTENDED_ONLY
    assert at(D(2026, 1, 1), support="", eol="", extended="") == RiskStatus.SUPPORTED
    assert status_on(D(2026, 1, 1), support=None, eol=None, extended=None, known=False) == RiskStatus.UNKNOWN


def test_roll_up_is_the_worst_known_status():
    assert worst([RiskStatus.SUPPORTED, RiskStatus.PAST_EOL, RiskStatus.UNKNOWN]) == RiskStatus.PAST_EOL
    assert worst([RiskStatus.SUPPORTED, RiskStatus.SECURITY_ONLY]) == RiskStatus.SECURITY_ONLY
    assert worst([RiskStatus.SUPPORTED, RiskStatus.UNKNOWN]) == RiskStatus.SUPPORTED
    assert worst([]) == RiskStatus.UNKNOWN
