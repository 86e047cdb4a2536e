"""The two Korean scales as rules, free of the web and the database.

KIIP (the immigration and integration programme) has stages 0 to 5; TOPIK has levels 1 to 6 and a test
date, and a TOPIK result counts for two years from that date.  A stage is not a level: the two are never
compared with each other.
"""

from __future__ import annotations

from datetime import date

TOPIK = "topik"
KIIP = "kiip"
#: The values each scale allows.
LEVELS = {TOPIK: range(1, 7), KIIP: range(0, 6)}
#: A TOPIK result counts this many years from its test date.
TOPIK_VALID_YEARS = 2


def level_ok(scale: str, level: int | None) -> bool:
    """Whether *level* exists on *scale*."""
    return scale in LEVELS and level is not None and level in LEVELS[scale]


def expires_on(scale: str, test_date: date | None) -> date | None:
    """The first day a result no longer counts, or None for a result that does not expire (KIIP)."""
    if scale != TOPIK or test_date is None:
        return None
    try:
        return test_date.replace(year=test_date.year + TOPIK_VALID_YEARS)
    except ValueError:  # 29 February: the result counts until the end of February
        return date(test_date.year + TOPIK_VALID_YEARS, 3, 1)


def is_expired(scale: str, test_date: date | None, today: date) -> bool:
    """Whether the result no longer counts on *today*."""
    end = expires_on(scale, test_date)
    return end is not None and today >= end


def last_expired_test_date(today: date) -> date:
    """The latest TOPIK test date whose result no longer counts on *today* (later ones still count)."""
    try:
        return today.replace(year=today.year - TOPIK_VALID_YEARS)
    except ValueError:  # 29 February: two years back has none
        return date(today.year - TOPIK_VALID_YEARS, 2, 28)
