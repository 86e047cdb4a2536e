"""The monthly attendance sheet of a cohort, and the hours a trainee completed (what the completion record
quotes), loaded in a fixed number of queries whatever the cohort's size; the arithmetic is
:mod:`.sheets`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import Cohort
from lms.users.models import User
from projects.attendance import rules, sheets
from projects.attendance.models import AttendanceRecord, TrainingSession
from projects.attendance.services import rules_for, trainees_of


def _columns(sessions: list[TrainingSession], marks: dict, now: datetime) -> list[sheets.Column]:
    marked = {sid for sid, _uid in marks}
    return [sheets.Column(s.id, s.day, s.hours, held=s.ends_at <= now and s.id in marked) for s in sessions]


def _marks(session_ids: list[int], user_id: int | None = None) -> dict[tuple[int, int], str]:
    if not session_ids:
        return {}
    stmt = select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.mark).where(
        AttendanceRecord.session_id.in_(session_ids)
    )
    rows = db.session.execute(stmt)
    return {(sid, uid): mark.value for sid, uid, mark in rows}


def monthly_sheet(cohort: Cohort, month: str, *, now: datetime | None = None) -> sheets.Sheet:
    """The sheet of *cohort*'s active trainees for *month* (``YYYY-MM``; ValueError when malformed).
    Three queries: the sessions, the marks, the trainees."""
    first, nxt = sheets.month_bounds(month)
    sessions = list(
        db.session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.cohort_id == cohort.id,
                TrainingSession.day >= first,
                TrainingSession.day < nxt,
            )
            .order_by(TrainingSession.starts_at)
        )
    )
    marks = _marks([s.id for s in sessions])
    people = [(u.id, u.name) for u in trainees_of(cohort.id)]
    return sheets.build(
        _columns(sessions, marks, now or utcnow()), people, marks, rules_for(cohort.programme_id)
    )


def hours_completed(user: User, cohort: Cohort, *, now: datetime | None = None) -> dict:
    """The trainee's hours over the whole course: ``{"planned": …, "completed": …}`` (the sheet's rule: the
    hours of every held session attended, excused ones included)."""
    sessions = list(db.session.scalars(select(TrainingSession).where(TrainingSession.cohort_id == cohort.id)))
    marks = _marks([s.id for s in sessions])
    sheet = sheets.build(
        _columns(sessions, marks, now or utcnow()), [(user.id, user.name)], marks, rules.Rules()
    )
    return {"planned": sheet.planned_hours, "completed": sheet.rows[0].hours}
