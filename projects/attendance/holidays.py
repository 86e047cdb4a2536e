"""Korean public holidays (관공서의 공휴일에 관한 규정) for the years the centre plans, and the days of a
weekly pattern that are not holidays.  Pure: no Flask, no database.

The lunar holidays (설날, 부처님오신날, 추석) and election days are data: they follow the lunar calendar and
the election laws, not a rule a few lines could compute.  Substitute holidays (대체공휴일) are computed
from the rules of the regulation's article 3, so that a corrected date moves its substitute too.
Administrators add or remove days through overrides (``projects_attendance_holidays``);
:func:`holidays_between` applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

#: The years the built-in data covers; outside them only the fixed-date holidays and overrides apply.
YEARS = (2026, 2027, 2028)

#: The main day of each lunar holiday (설날 and 추석 also close the day before and after).
LUNAR: dict[int, dict[str, date]] = {
    2026: {"seollal": date(2026, 2, 17), "buddha": date(2026, 5, 24), "chuseok": date(2026, 9, 25)},
    2027: {"seollal": date(2027, 2, 6), "buddha": date(2027, 5, 13), "chuseok": date(2027, 9, 15)},
    2028: {"seollal": date(2028, 1, 26), "buddha": date(2028, 5, 2), "chuseok": date(2028, 10, 3)},
}
#: Election days are public holidays; they have no substitute.  2026: local elections (first Wednesday of
#: June); 2028: National Assembly (the Wednesday the Public Official Election Act gives for a term ending on
#: 29 May).  An early election is added by an administrator as an override.
ELECTIONS: dict[date, str] = {date(2026, 6, 3): "local_election", date(2028, 4, 12): "general_election"}
#: Fixed-date holidays: (month, day, key).
FIXED = (
    (1, 1, "new_year"),
    (3, 1, "independence"),
    (5, 5, "children"),
    (6, 6, "memorial"),
    (8, 15, "liberation"),
    (10, 3, "foundation"),
    (10, 9, "hangul"),
    (12, 25, "christmas"),
)
#: Holidays that get a substitute when they fall on a Saturday or Sunday (or on another holiday); 설날 and
#: 추석 get one only for a Sunday or another holiday; New Year's Day, Memorial Day and elections never do.
WEEKEND_SUBSTITUTE = {"independence", "children", "buddha", "liberation", "foundation", "hangul", "christmas"}
SUNDAY_SUBSTITUTE = {"seollal", "chuseok"}
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class Holiday:
    """One day off: ``key`` names it for translation (``substitute`` for 대체공휴일, ``custom`` for an
    administrator's day, whose ``name`` is then the text to show)."""

    day: date
    key: str
    name: str = ""


def _base(year: int) -> list[Holiday]:
    """The holidays of *year* before substitutes (several may fall on one day)."""
    days = [Holiday(date(year, month, day), key) for month, day, key in FIXED]
    lunar = LUNAR.get(year, {})
    for key in ("seollal", "chuseok"):
        if key in lunar:
            days += [Holiday(lunar[key] + timedelta(days=n), key) for n in (-1, 0, 1)]
    if "buddha" in lunar:
        days.append(Holiday(lunar["buddha"], "buddha"))
    days += [Holiday(day, key) for day, key in ELECTIONS.items() if day.year == year]
    return days


def _substitutes(days: list[Holiday]) -> list[Holiday]:
    """The 대체공휴일 of *days*: for each holiday (or three-day period) that qualifies, the first weekday
    after it that is not already a holiday (nor an earlier substitute)."""
    taken = {h.day for h in days}
    by_day: dict[date, list[str]] = {}
    for h in days:
        by_day.setdefault(h.day, []).append(h.key)
    extra: list[Holiday] = []
    # A day two holidays share is one lost day off: it earns one substitute, not one per holiday.
    claimed: set[date] = set()
    periods: dict[str, list[date]] = {}
    for h in days:
        periods.setdefault(h.key, []).append(h.day)
    for key, dates in sorted(periods.items(), key=lambda kv: min(kv[1])):
        weekend: tuple[int, ...]
        if key in SUNDAY_SUBSTITUTE:
            weekend = (SUNDAY,)
        elif key in WEEKEND_SUBSTITUTE:
            weekend = (SATURDAY, SUNDAY)
        else:
            continue
        needed = 0
        for d in dates:
            if d in claimed:
                continue
            if d.weekday() in weekend or len(by_day[d]) > 1:
                needed += 1
                claimed.add(d)
        day = max(dates)
        while needed:
            day += timedelta(days=1)
            if day.weekday() < SATURDAY and day not in taken:
                extra.append(Holiday(day, "substitute"))
                taken.add(day)
                needed -= 1
    return extra


def built_in(year: int) -> list[Holiday]:
    """Every public holiday of *year*, substitutes included, by date (shared days listed once each)."""
    days = _base(year)
    return sorted(days + _substitutes(days), key=lambda h: (h.day, h.key))


def holidays_between(
    start: date, end: date, overrides: Mapping[date, tuple[bool, str]] | None = None
) -> dict[date, Holiday]:
    """The days off from *start* to *end* (both included), one entry per day.

    :param overrides: ``{day: (closed, name)}`` of the administrators: ``closed`` adds a day off named
        *name*, otherwise the day is a working day even if the built-in data says it is a holiday.
    """
    result: dict[date, Holiday] = {}
    for year in range(start.year, end.year + 1):
        for h in built_in(year):
            if start <= h.day <= end:
                result.setdefault(h.day, h)
    for day, (closed, name) in (overrides or {}).items():
        if not start <= day <= end:
            continue
        if closed:
            result[day] = Holiday(day, "custom", name)
        else:
            result.pop(day, None)
    return result


def pattern_days(start: date, end: date, weekdays: Iterable[int], days_off: Iterable[date]) -> list[date]:
    """The days from *start* to *end* whose weekday (Monday 0) is in *weekdays*, less *days_off*."""
    wanted, skipped = set(weekdays), set(days_off)
    days, day = [], start
    while day <= end:
        if day.weekday() in wanted and day not in skipped:
            days.append(day)
        day += timedelta(days=1)
    return days
