"""The pure cores of attendance: Korean public holidays with their substitutes, weekly patterns, and the
rules (grace minutes, lates into absences, rates and projections).  No app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from projects.attendance import holidays, rules
from projects.attendance.rules import ABSENT, EXCUSED, LATE, LEFT_EARLY, PRESENT, Rules, tally


def keys_on(day: date) -> set[str]:
    return {h.key for h in holidays.built_in(day.year) if h.day == day}


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 2, 16), "seollal"),
        (date(2026, 2, 17), "seollal"),
        (date(2026, 2, 18), "seollal"),
        (date(2026, 5, 24), "buddha"),
        (date(2026, 6, 3), "local_election"),
        (date(2026, 9, 24), "chuseok"),
        (date(2026, 9, 26), "chuseok"),
        (date(2027, 2, 5), "seollal"),
        (date(2027, 5, 13), "buddha"),
        (date(2027, 9, 16), "chuseok"),
        (date(2028, 1, 25), "seollal"),
        (date(2028, 5, 2), "buddha"),
        (date(2028, 10, 4), "chuseok"),
        (date(2028, 12, 25), "christmas"),
    ],
)
def test_lunar_and_fixed_holidays(day, key):
    assert key in keys_on(day)


@pytest.mark.parametrize(
    ("substitute", "why"),
    [
        (date(2026, 3, 2), "Independence Movement Day on a Sunday"),
        (date(2026, 5, 25), "Buddha's Birthday on a Sunday"),
        (date(2026, 8, 17), "Liberation Day on a Saturday"),
        (date(2026, 10, 5), "National Foundation Day on a Saturday"),
        (date(2027, 2, 8), "Seollal's third day on a Sunday"),
        (date(2027, 8, 16), "Liberation Day on a Sunday"),
        (date(2027, 10, 4), "National Foundation Day on a Sunday"),
        (date(2027, 10, 11), "Hangul Day on a Saturday"),
        (date(2027, 12, 27), "Christmas on a Saturday"),
        (date(2028, 10, 5), "Chuseok shares 3 October with National Foundation Day"),
    ],
)
def test_substitute_holidays(substitute, why):
    assert "substitute" in keys_on(substitute), why


def test_no_substitute_where_the_rules_give_none():
    subs_2026 = {h.day for h in holidays.built_in(2026) if h.key == "substitute"}
    # Memorial Day (6 June 2026, a Saturday) and Chuseok's Saturday (26 September) earn none.
    assert date(2026, 6, 8) not in subs_2026
    assert date(2026, 9, 28) not in subs_2026
    # A day shared by two holidays earns one substitute, not two.
    subs_2028 = [h.day for h in holidays.built_in(2028) if h.key == "substitute"]
    assert subs_2028 == [date(2028, 10, 5)]
    # New Year's Day on a Saturday (2028) has no substitute either.
    assert date(2028, 1, 3) not in subs_2028


def test_a_substitute_never_falls_on_a_weekend_or_a_holiday():
    for year in holidays.YEARS:
        days = holidays.built_in(year)
        others = {h.day for h in days if h.key != "substitute"}
        for h in days:
            if h.key == "substitute":
                assert h.day.weekday() < 5 and h.day not in others


def test_overrides_add_and_remove_days():
    start, end = date(2026, 6, 1), date(2026, 6, 30)
    plain = holidays.holidays_between(start, end)
    assert set(plain) == {date(2026, 6, 3), date(2026, 6, 6)}
    changed = holidays.holidays_between(
        start, end, {date(2026, 6, 3): (False, ""), date(2026, 6, 12): (True, "Centre closed")}
    )
    assert date(2026, 6, 3) not in changed
    assert changed[date(2026, 6, 12)].name == "Centre closed"
    assert changed[date(2026, 6, 12)].key == "custom"


def test_pattern_days_skip_holidays():
    # Monday to Friday of Seollal week 2026: Monday to Wednesday are Seollal.
    off = holidays.holidays_between(date(2026, 2, 16), date(2026, 2, 22))
    days = holidays.pattern_days(date(2026, 2, 16), date(2026, 2, 22), range(5), off)
    assert days == [date(2026, 2, 19), date(2026, 2, 20)]
    assert holidays.pattern_days(date(2026, 3, 2), date(2026, 3, 8), [0, 2], []) == [
        date(2026, 3, 2),
        date(2026, 3, 4),
    ]


START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=4)


@pytest.mark.parametrize(
    ("arrived", "left", "expected"),
    [
        (None, None, ABSENT),
        (START - timedelta(minutes=5), None, PRESENT),
        (START + timedelta(minutes=10), None, PRESENT),  # within the grace minutes
        (START + timedelta(minutes=10, seconds=1), None, LATE),
        (START, END - timedelta(minutes=10), PRESENT),
        (START, END - timedelta(minutes=11), LEFT_EARLY),
        (START + timedelta(minutes=30), END - timedelta(hours=1), LATE),  # late wins
    ],
)
def test_mark_for_grace_minutes(arrived, left, expected):
    assert rules.mark_for(START, END, arrived, left, Rules(grace_minutes=10)) == expected


def test_zero_grace_minutes():
    assert rules.mark_for(START, END, START + timedelta(seconds=1), None, Rules(grace_minutes=0)) == LATE


def test_three_lates_make_one_absence():
    t = tally([LATE, LATE, LATE] + [PRESENT] * 7, 10, Rules())
    assert (t.absent, t.lates, t.absences) == (0, 3, 1)
    assert t.rate == pytest.approx(0.9)
    two = tally([LATE, LATE] + [PRESENT] * 8, 10, Rules())
    assert two.absences == 0 and two.rate == 1.0


def test_lates_and_early_leaves_count_together():
    t = tally([LATE, LEFT_EARLY, LEFT_EARLY, PRESENT], 4, Rules(lates_per_absence=3))
    assert t.absences == 1
    t = tally([LATE, LEFT_EARLY, LEFT_EARLY, PRESENT], 4, Rules(lates_per_absence=2))
    assert t.absences == 1
    t = tally([LATE, LEFT_EARLY, LEFT_EARLY, LATE], 4, Rules(lates_per_absence=2))
    assert t.absences == 2


def test_excused_counts_as_attended():
    t = tally([EXCUSED, EXCUSED, PRESENT, ABSENT], 4, Rules())
    assert t.excused == 2 and t.absences == 1 and t.rate == pytest.approx(0.75)


def test_projection_and_warning():
    # Four of twenty sessions held, one absence: 75% now; at that pace, 5 absences of 20: 75%.
    t = tally([ABSENT, PRESENT, PRESENT, PRESENT], 20, Rules(min_rate=0.8))
    assert t.rate == pytest.approx(0.75)
    assert t.projection == pytest.approx(0.75)
    assert t.below
    # Ten held without absence, two lates pending: the rate is 100%; lates at that pace make 4 lates in 20,
    # one absence: a projection of 95%, above the minimum.
    t = tally([LATE, LATE] + [PRESENT] * 8, 20, Rules(min_rate=0.8))
    assert t.rate == 1.0 and t.projection == pytest.approx(0.95) and not t.below
    # Rate above the minimum now but the pace leads below it: 1 absence in 4 held of 40 → 10 absences.
    t = tally([ABSENT] + [PRESENT] * 4, 40, Rules(min_rate=0.85))
    assert t.rate == pytest.approx(0.8) and t.projection == pytest.approx(0.8) and t.below
    t = tally([ABSENT] + [PRESENT] * 9, 40, Rules(min_rate=0.8))
    assert t.rate == pytest.approx(0.9) and t.projection == pytest.approx(0.9) and not t.below


def test_projection_warns_before_the_rate_does():
    # One absence in five held (80%, at the minimum) of a period of 10; pace: 2 absences → 80%: no warning.
    t = tally([ABSENT] + [PRESENT] * 4, 10, Rules(min_rate=0.8))
    assert t.rate == pytest.approx(0.8) and not t.below
    # Absent plus two lates of three: 80% now, but at that pace 2 + 4/3 → 3 absences of 10: 70%.
    t = tally([ABSENT, LATE, LATE, PRESENT, PRESENT], 10, Rules(min_rate=0.8))
    assert t.rate == pytest.approx(0.8)
    assert t.projection == pytest.approx(0.7)
    assert t.below


def test_absences_left():
    assert tally([PRESENT] * 5, 20, Rules(min_rate=0.8)).absences_left == 4
    assert tally([ABSENT] * 3 + [PRESENT] * 2, 20, Rules(min_rate=0.8)).absences_left == 1
    assert tally([ABSENT] * 6, 20, Rules(min_rate=0.8)).absences_left == 0


def test_nothing_held_yet():
    t = tally([], 20, Rules())
    assert t.rate is None and t.projection is None and not t.below and t.absences_left == 4


def test_period_key():
    assert rules.period_key(date(2026, 12, 7), "month") == "2026-12"
    assert rules.period_key(date(2026, 12, 7), "course") == "course"
