"""Timetable services: who keeps a cohort's timetable, the programme's rules, the holiday calendar, and
sessions from a weekly pattern.  Check-in codes are in :mod:`.checkin`, marks and excuses in :mod:`.marks`,
rates and warnings in :mod:`.rates`.

Services take plain arguments, flush and log; the request or task commits.  Times are stored in UTC; a
session's ``day`` and the times of a weekly pattern are in the centre's zone (``BABEL_DEFAULT_TIMEZONE``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus, Programme
from lms.users.models import Role, User
from projects.attendance import holidays, rules
from projects.attendance.models import (
    AttendanceRecord,
    AttendanceRules,
    HolidayOverride,
    Period,
    TrainingSession,
)
from projects.common import ProjectError

log = logging.getLogger(__name__)

#: The longest reason or note kept.
MAX_TEXT = 2000
#: Weekly patterns make at most this many sessions at once (a year of weekdays, twice a day).
MAX_GENERATED = 600


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def teaches(user: User, cohort_id: int) -> bool:
    return db.session.get(CohortInstructor, (cohort_id, user.id)) is not None


def can_manage(user: User, cohort_id: int) -> bool:
    """Admins and the cohort's instructors keep its timetable, take the roll and correct marks."""
    return user.role is Role.ADMIN or (user.role is Role.INSTRUCTOR and teaches(user, cohort_id))


def is_enrolled(user: User, cohort_id: int) -> bool:
    stmt = select(Enrolment.id).where(
        Enrolment.cohort_id == cohort_id,
        Enrolment.user_id == user.id,
        Enrolment.status == EnrolmentStatus.ACTIVE,
    )
    return user.role is Role.TRAINEE and db.session.scalar(stmt) is not None


def trainees_of(cohort_id: int) -> list[User]:
    """The cohort's active trainees, by name."""
    stmt = (
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(User.name, User.id)
    )
    return list(db.session.scalars(stmt))


def rules_for(programme_id: int) -> rules.Rules:
    """The programme's rules (the defaults when it has none saved)."""
    row = db.session.get(AttendanceRules, programme_id)
    if row is None:
        return rules.Rules()
    return rules.Rules(
        grace_minutes=row.grace_minutes,
        lates_per_absence=row.lates_per_absence,
        min_rate=row.min_rate_percent / 100,
        period=row.period.value,
    )


def save_rules(
    programme: Programme, *, grace_minutes: int, lates_per_absence: int, min_rate_percent: int, period: str
) -> AttendanceRules:
    """Set a programme's attendance rules."""
    if not (0 <= grace_minutes <= 120 and 1 <= lates_per_absence <= 20 and 0 <= min_rate_percent <= 100):
        raise ProjectError("bad_rules")
    row = db.session.get(AttendanceRules, programme.id) or AttendanceRules(programme_id=programme.id)
    row.grace_minutes, row.lates_per_absence = grace_minutes, lates_per_absence
    row.min_rate_percent, row.period = min_rate_percent, Period(period)
    db.session.add(row)
    db.session.flush()
    log.info("attendance rules of programme %s saved", programme.id)
    return row


def overrides() -> dict[date, tuple[bool, str]]:
    return {o.day: (o.closed, o.name) for o in db.session.scalars(select(HolidayOverride))}


def days_off(start: date, end: date) -> dict[date, holidays.Holiday]:
    """The holidays from *start* to *end*, after the administrators' changes."""
    return holidays.holidays_between(start, end, overrides())


def save_holiday(day: date, *, closed: bool, name: str, by: User) -> HolidayOverride:
    """Add a day off (*closed*) or make a holiday a working day; a second change of a day replaces the
    first."""
    if len(name) > 120:
        raise ProjectError("too_long", limit=120)
    if closed and not name.strip():
        raise ProjectError("name_missing")
    row = db.session.scalar(select(HolidayOverride).where(HolidayOverride.day == day))
    row = row or HolidayOverride(day=day)
    row.closed, row.name, row.created_by_id = closed, name.strip(), by.id
    db.session.add(row)
    db.session.flush()
    log.info("holiday override %s (closed=%s) by user %s", day, closed, by.id)
    return row


def remove_holiday(row: HolidayOverride) -> None:
    db.session.delete(row)
    db.session.flush()
    log.info("holiday override %s removed", row.day)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone()).astimezone(ZoneInfo("UTC"))


def _check_session(cohort: Cohort, day: date, starts: time, ends: time, room: str, topic: str) -> None:
    if ends <= starts:
        raise ProjectError("times_order")
    if not cohort.start_date <= day <= cohort.end_date:
        raise ProjectError("outside_cohort")
    if len(room) > 80 or len(topic) > 200:
        raise ProjectError("too_long", limit=200 if len(topic) > 200 else 80)


def _instructor(cohort: Cohort, instructor: User | None) -> User | None:
    if instructor is not None and not teaches(instructor, cohort.id):
        raise ProjectError("not_instructor", name=instructor.name)
    return instructor


def generate_sessions(
    cohort: Cohort,
    *,
    weekdays: Iterable[int],
    starts: time,
    ends: time,
    first: date | None = None,
    last: date | None = None,
    room: str = "",
    topic: str = "",
    instructor: User | None = None,
    korean: bool = False,
) -> tuple[list[TrainingSession], list[holidays.Holiday]]:
    """Sessions on *weekdays* from *first* to *last* (default: the cohort's dates), holidays skipped; *korean*
    flags them as classes of the Korean course (their attended hours are Korean-class hours).

    A day that already has a session starting at the same time is left as it is, so a pattern may be
    applied again after holidays change.  Returns the new sessions and the holidays skipped.
    """
    first, last = (
        max(first or cohort.start_date, cohort.start_date),
        min(last or cohort.end_date, cohort.end_date),
    )
    if first > last:
        raise ProjectError("outside_cohort")
    _check_session(cohort, first, starts, ends, room, topic)
    _instructor(cohort, instructor)
    off = days_off(first, last)
    days = holidays.pattern_days(first, last, weekdays, off)
    if len(days) > MAX_GENERATED:
        raise ProjectError("too_many_sessions", limit=MAX_GENERATED)
    existing = set(
        db.session.scalars(select(TrainingSession.starts_at).where(TrainingSession.cohort_id == cohort.id))
    )
    made = []
    for day in days:
        starts_at = _at(day, starts)
        if starts_at in existing:
            continue
        made.append(
            TrainingSession(
                cohort_id=cohort.id,
                day=day,
                starts_at=starts_at,
                ends_at=_at(day, ends),
                room=room.strip(),
                topic=topic.strip(),
                instructor_id=instructor.id if instructor else None,
                korean=bool(korean),
                secret=secrets.token_hex(32),
            )
        )
    db.session.add_all(made)
    db.session.flush()
    skipped = [h for d, h in sorted(off.items()) if d.weekday() in set(weekdays)]
    log.info("%s sessions made for cohort %s (%s holidays skipped)", len(made), cohort.id, len(skipped))
    return made, skipped


def update_session(
    session: TrainingSession,
    *,
    day: date,
    starts: time,
    ends: time,
    room: str,
    topic: str,
    instructor: User | None,
    korean: bool,
) -> None:
    """Change one session (a moved class, another room, a Korean class or not)."""
    _check_session(session.cohort, day, starts, ends, room, topic)
    _instructor(session.cohort, instructor)
    starts_at = _at(day, starts)
    # Checked before the change: flushing a clash would hit the unique constraint instead of this sentence.
    clash = select(TrainingSession.id).where(
        TrainingSession.cohort_id == session.cohort_id,
        TrainingSession.starts_at == starts_at,
        TrainingSession.id != session.id,
    )
    if db.session.scalar(clash) is not None:
        raise ProjectError("session_clash")
    session.instructor_id = instructor.id if instructor else None
    session.day, session.starts_at, session.ends_at = day, starts_at, _at(day, ends)
    session.room, session.topic, session.korean = room.strip(), topic.strip(), bool(korean)
    db.session.flush()
    log.info("session %s changed", session.id)


def delete_session(session: TrainingSession) -> None:
    """Remove a session that has no marks yet (one with marks is history: correct the marks instead)."""
    marked = select(AttendanceRecord.id).where(AttendanceRecord.session_id == session.id).limit(1)
    if db.session.scalar(marked) is not None:
        raise ProjectError("session_marked")
    db.session.delete(session)
    db.session.flush()
    log.info("session %s deleted", session.id)


def cohort_sessions(cohort_id: int) -> list[TrainingSession]:
    stmt = select(TrainingSession).where(TrainingSession.cohort_id == cohort_id)
    return list(db.session.scalars(stmt.order_by(TrainingSession.starts_at)))


def planned_hours(sessions: Iterable[TrainingSession]) -> float:
    return round(sum(s.hours for s in sessions), 2)


def sessions_for(user: User, start: datetime, end: datetime) -> list[TrainingSession]:
    """The sessions between *start* and *end* of the cohorts *user* is in (trainees) or teaches
    (instructors); nobody else has a timetable of their own."""
    stmt = select(TrainingSession).where(TrainingSession.starts_at < end, TrainingSession.ends_at > start)
    if user.role is Role.TRAINEE:
        stmt = stmt.join(Enrolment, Enrolment.cohort_id == TrainingSession.cohort_id).where(
            Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE
        )
    elif user.role is Role.INSTRUCTOR:
        stmt = stmt.join(CohortInstructor, CohortInstructor.cohort_id == TrainingSession.cohort_id).where(
            CohortInstructor.user_id == user.id
        )
    else:
        return []
    return list(db.session.scalars(stmt.order_by(TrainingSession.starts_at).limit(500)))


def week_of(now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday of the week *now* is in, in the centre's zone (as UTC)."""
    today = local_day(now)
    monday = today - timedelta(days=today.weekday())
    return _at(monday, time()), _at(monday + timedelta(days=7), time())
