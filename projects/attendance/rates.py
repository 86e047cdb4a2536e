"""Rates and early warnings: each trainee's tally of a period under the programme's rules, the cohort's rate,
and the warnings when a rate or its projection falls below the minimum."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import Cohort
from lms.users.models import Role, User
from projects.attendance import rules
from projects.attendance.models import AttendanceRecord, TrainingSession
from projects.attendance.services import cohort_sessions, local_day, rules_for, trainees_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Standing:
    """A trainee's attendance in a period."""

    user: User
    period: str
    tally: rules.Tally


def _held(session: TrainingSession, now: datetime) -> bool:
    return session.ends_at <= now


def standings(cohort: Cohort, *, now: datetime | None = None, period: str | None = None) -> list[Standing]:
    """Each active trainee's tally for *period* (default: the one *now* is in) under the programme's rules.

    A held session counts once its roll has been taken (it has at least one mark): a trainee without a
    mark in it is then absent.  A session nobody marked is left out (a forgotten roll call punishes nobody).
    Three queries whatever the cohort's size.
    """
    now = now or utcnow()
    programme_rules = rules_for(cohort.programme_id)
    key = period or rules.period_key(local_day(now), programme_rules.period)
    in_period = [
        s for s in cohort_sessions(cohort.id) if rules.period_key(s.day, programme_rules.period) == key
    ]
    ids = [s.id for s in in_period]
    marks: dict[tuple[int, int], str] = {}
    if ids:
        rows = db.session.execute(
            select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.mark).where(
                AttendanceRecord.session_id.in_(ids)
            )
        )
        marks = {(sid, uid): mark.value for sid, uid, mark in rows}
    marked_sessions = {sid for sid, _uid in marks}
    held = [s for s in in_period if _held(s, now) and s.id in marked_sessions]
    result = []
    for trainee in trainees_of(cohort.id):
        own = [marks.get((s.id, trainee.id), rules.ABSENT) for s in held]
        result.append(Standing(trainee, key, rules.tally(own, len(in_period), programme_rules)))
    return result


def standing_of(user: User, cohort: Cohort, now: datetime | None = None) -> Standing | None:
    return next((s for s in standings(cohort, now=now) if s.user.id == user.id), None)


def cohort_rate(items: list[Standing]) -> float | None:
    """The cohort's rate: attended sessions over held ones, all trainees together."""
    held = sum(s.tally.held for s in items)
    return sum(s.tally.held - s.tally.absences for s in items) / held if held else None


def _path(endpoint: str, **values) -> str:
    """A site path for a notification, also without a request (a task, the command line)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def warn_if_below(user: User, cohort: Cohort, *, now: datetime | None = None) -> bool:
    """Warn the trainee, the cohort's instructors and the admins once per period when the trainee's rate or
    its projection is under the minimum.  True when the trainee is below."""
    standing = standing_of(user, cohort, now)
    if standing is None or not standing.tally.below:
        return False
    _warn(standing, cohort)
    return True


def warn_cohort(cohort: Cohort, *, now: datetime | None = None) -> int:
    """:func:`warn_if_below` for every trainee of *cohort* (those never marked are absent, and warned too);
    the number below the minimum."""
    below = [s for s in standings(cohort, now=now) if s.tally.below]
    for standing in below:
        _warn(standing, cohort)
    return len(below)


def cohorts_in_session(now: datetime) -> list[Cohort]:
    """The cohorts that had a session end in the last day: those whose rates may have moved."""
    stmt = (
        select(Cohort)
        .join(TrainingSession, TrainingSession.cohort_id == Cohort.id)
        .where(TrainingSession.ends_at <= now, TrainingSession.ends_at > now - timedelta(days=1))
        .distinct()
    )
    return list(db.session.scalars(stmt))


def _warn(standing: Standing, cohort: Cohort) -> None:
    """Tell the trainee and the cohort's staff; ``notify(once=True)`` keys on the period's page, so each is
    told once per trainee and period however often this runs."""
    from flask_babel import gettext as _

    from lms.notifications.services import notify

    user = standing.user
    percent = round(min(v for v in (standing.tally.rate, standing.tally.projection) if v is not None) * 100)
    minimum = round(standing.tally.min_rate * 100)
    notify(
        user,
        lambda: _(
            "Your attendance in %(cohort)s may fall below %(minimum)s%% (now about %(rate)s%%). Please talk "
            "to your instructor.",
            cohort=cohort.name,
            minimum=minimum,
            rate=percent,
        ),
        _path("attendance.index", period=standing.period),
        once=True,
        kind="attendance_warning",
    )
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN, User.active))
    staff = {p.id: p for p in [*cohort.instructors, *admins]}
    for person in staff.values():
        notify(
            person,
            lambda: _(
                "Attendance warning: %(name)s (%(cohort)s) may fall below %(minimum)s%% (about %(rate)s%%).",
                name=user.name,
                cohort=cohort.name,
                minimum=minimum,
                rate=percent,
            ),
            _path("attendance.report", cohort_id=cohort.id, period=standing.period, user=user.id),
            once=True,
            kind="attendance_warning",
        )
    log.info("attendance warning for user %s in cohort %s (%s)", user.id, cohort.id, standing.period)
