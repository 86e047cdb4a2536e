"""Marks: the roll call, corrections after the day with their history, and excused absences."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import CohortInstructor
from lms.users.models import Role, User
from media.models import MediaFile
from projects.attendance.models import (
    AttendanceCorrection,
    AttendanceRecord,
    Excuse,
    ExcuseStatus,
    Mark,
    MarkSource,
    TrainingSession,
)
from projects.attendance.rates import warn_if_below
from projects.attendance.services import MAX_TEXT, can_manage, is_enrolled, local_day
from projects.common import ProjectError

log = logging.getLogger(__name__)


def record_of(session: TrainingSession, user: User) -> AttendanceRecord | None:
    stmt = select(AttendanceRecord).where(
        AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user.id
    )
    return db.session.scalar(stmt)


def records_of(session: TrainingSession) -> dict[int, AttendanceRecord]:
    stmt = select(AttendanceRecord).where(AttendanceRecord.session_id == session.id)
    return {r.user_id: r for r in db.session.scalars(stmt)}


def _state(record: AttendanceRecord | None) -> dict:
    if record is None:
        return {"mark": None, "arrived_at": None, "left_at": None}
    return {
        "mark": record.mark.value,
        "arrived_at": record.arrived_at.isoformat() if record.arrived_at else None,
        "left_at": record.left_at.isoformat() if record.left_at else None,
    }


def is_past(session: TrainingSession, now: datetime) -> bool:
    """The session's day is over (in the centre's zone): its marks change only as corrections."""
    return local_day(now) > session.day


def mark_trainee(
    session: TrainingSession,
    trainee: User,
    mark: str,
    *,
    by: User,
    reason: str = "",
    arrived_at: datetime | None = None,
    left_at: datetime | None = None,
    now: datetime | None = None,
) -> AttendanceRecord:
    """Set *trainee*'s mark in *session* (one tap of the roll call), with the time of the tap as arrival
    (late) or leaving (left early) unless given.  A tap outside the session's hours (the roll taken after
    class, a correction) knows no such time and records none: never an arrival after the end.

    On the session's day the cohort's instructors and admins mark freely.  After it, a change is a
    correction: it needs a *reason* and is kept with who, when, before and after.
    """
    now = now or utcnow()
    if not can_manage(by, session.cohort_id):
        raise ProjectError("managers_only")
    if not is_enrolled(trainee, session.cohort_id):
        raise ProjectError("not_enrolled", name=trainee.name)
    mark_value = Mark(mark)
    record = record_of(session, trainee)
    correction = is_past(session, now)
    if correction and not reason.strip():
        raise ProjectError("reason_missing")
    if len(reason) > MAX_TEXT:
        raise ProjectError("too_long", limit=MAX_TEXT)
    before = _state(record)
    tapped = now if session.starts_at <= now < session.ends_at else None
    if record is None:
        record = AttendanceRecord(session_id=session.id, user_id=trainee.id, mark=mark_value)
        db.session.add(record)
    if mark_value in (Mark.PRESENT, Mark.LATE, Mark.LEFT_EARLY):
        record.arrived_at = (
            arrived_at or record.arrived_at or (tapped if mark_value is Mark.LATE else session.starts_at)
        )
    else:
        record.arrived_at = arrived_at
    if mark_value is Mark.LEFT_EARLY:
        record.left_at = left_at or tapped
    elif left_at is not None or mark_value is not Mark.PRESENT:
        record.left_at = left_at
    record.mark = mark_value
    record.source = MarkSource.CORRECTION if correction else MarkSource.ROLL_CALL
    record.marked_by_id, record.marked_at = by.id, now
    db.session.flush()
    if correction:
        db.session.add(
            AttendanceCorrection(
                record_id=record.id,
                by_id=by.id,
                at=now,
                reason=reason.strip(),
                before=before,
                after=_state(record),
            )
        )
        db.session.flush()
        log.info("mark of user %s in session %s corrected by user %s", trainee.id, session.id, by.id)
    warn_if_below(trainee, session.cohort, now=now)
    return record


def history(session: TrainingSession) -> list[AttendanceCorrection]:
    """Every correction of the session's marks, newest first."""
    stmt = (
        select(AttendanceCorrection)
        .join(AttendanceRecord, AttendanceRecord.id == AttendanceCorrection.record_id)
        .where(AttendanceRecord.session_id == session.id)
        .order_by(AttendanceCorrection.at.desc(), AttendanceCorrection.id.desc())
    )
    return list(db.session.scalars(stmt))


# Excused absences


def request_excuse(
    user: User, session: TrainingSession, reason: str, document: MediaFile | None = None
) -> Excuse:
    """A trainee asks to excuse their absence from *session*, with a reason and a document."""
    if not is_enrolled(user, session.cohort_id):
        raise ProjectError("not_enrolled", name=user.name)
    if not reason.strip():
        raise ProjectError("reason_missing")
    if len(reason) > MAX_TEXT:
        raise ProjectError("too_long", limit=MAX_TEXT)
    if document is not None and document.owner_id != user.id:
        raise ProjectError("not_yours")
    existing = db.session.scalar(
        select(Excuse).where(Excuse.session_id == session.id, Excuse.user_id == user.id)
    )
    if existing is not None and existing.status is not ExcuseStatus.REFUSED:
        raise ProjectError("excuse_exists")
    excuse = existing or Excuse(session_id=session.id, user_id=user.id)
    excuse.reason, excuse.status = reason.strip(), ExcuseStatus.PENDING
    excuse.media_id = document.id if document else None
    excuse.decided_by_id, excuse.decided_at, excuse.decision_note = None, None, ""
    db.session.add(excuse)
    db.session.flush()
    log.info("excuse %s requested by user %s for session %s", excuse.id, user.id, session.id)
    return excuse


def decide_excuse(
    excuse: Excuse, *, approve: bool, by: User, note: str = "", now: datetime | None = None
) -> None:
    """Approve (the mark becomes "excused", kept as a correction) or refuse an excuse."""
    now = now or utcnow()
    if not can_manage(by, excuse.session.cohort_id):
        raise ProjectError("managers_only")
    if excuse.status is not ExcuseStatus.PENDING:
        raise ProjectError("already_decided")
    if len(note) > MAX_TEXT:
        raise ProjectError("too_long", limit=MAX_TEXT)
    excuse.status = ExcuseStatus.APPROVED if approve else ExcuseStatus.REFUSED
    excuse.decided_by_id, excuse.decided_at, excuse.decision_note = by.id, now, note.strip()
    if approve:
        record = record_of(excuse.session, excuse.user)
        before = _state(record)
        if record is None:
            record = AttendanceRecord(session_id=excuse.session_id, user_id=excuse.user_id, mark=Mark.EXCUSED)
            db.session.add(record)
        record.mark, record.source, record.marked_by_id, record.marked_at = (
            Mark.EXCUSED,
            MarkSource.EXCUSE,
            by.id,
            now,
        )
        db.session.flush()
        reason = note.strip() or excuse.reason
        db.session.add(
            AttendanceCorrection(
                record_id=record.id, by_id=by.id, at=now, reason=reason, before=before, after=_state(record)
            )
        )
    db.session.flush()
    log.info("excuse %s %s by user %s", excuse.id, excuse.status.value, by.id)


def excuses_for(user: User) -> list[Excuse]:
    """A trainee's own excuses; the pending and recent ones of the cohorts a manager manages."""
    stmt = select(Excuse).join(TrainingSession, TrainingSession.id == Excuse.session_id)
    if user.role is Role.TRAINEE:
        stmt = stmt.where(Excuse.user_id == user.id)
    elif user.role is Role.INSTRUCTOR:
        stmt = stmt.join(CohortInstructor, CohortInstructor.cohort_id == TrainingSession.cohort_id).where(
            CohortInstructor.user_id == user.id
        )
    elif user.role is not Role.ADMIN:
        return []
    return list(db.session.scalars(stmt.order_by(Excuse.created_at.desc(), Excuse.id.desc()).limit(200)))
