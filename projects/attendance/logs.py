"""Training logs (훈련일지): the instructor writes a session's topic, content and remarks, and signs the log,
which locks it; a change after signing needs a reason and makes a new version whose before and after are
kept.  Also the administrators' list of what is missing: logs of sessions without marks, and past sessions
without a log.

Services flush and log; the request commits.  Who may write is checked by the loaders (the session's
managers: its cohort's instructors and the administrators).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User
from projects.attendance.models import AttendanceRecord, TrainingLog, TrainingLogChange, TrainingSession
from projects.attendance.services import MAX_TEXT
from projects.common import ProjectError

log = logging.getLogger(__name__)

FIELDS = ("topic", "content", "remarks")
#: The topic's column width.
MAX_TOPIC = 200


def log_of(session: TrainingSession) -> TrainingLog | None:
    return db.session.get(TrainingLog, session.id)


def _state(entry: TrainingLog) -> dict:
    return {name: getattr(entry, name) for name in FIELDS}


def _check(topic: str, content: str, remarks: str) -> None:
    if not content.strip():
        raise ProjectError("log_content_missing")
    if len(topic) > MAX_TOPIC:
        raise ProjectError("too_long", limit=MAX_TOPIC)
    if max(len(content), len(remarks)) > MAX_TEXT:
        raise ProjectError("too_long", limit=MAX_TEXT)


def save_log(
    session: TrainingSession,
    *,
    topic: str,
    content: str,
    remarks: str,
    by: User,
    sign: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> TrainingLog:
    """Write (or rewrite) the session's log, and sign it when *sign*.

    A signed log is locked: changing it needs a *reason*, makes the next version (signed again by *by*, who
    answers for it) and keeps who, when, why, and the text before and after.  Saving a signed log unchanged
    does nothing.
    """
    now = now or utcnow()
    topic, content, remarks = topic.strip(), content.strip(), remarks.strip()
    _check(topic, content, remarks)
    entry = log_of(session)
    if entry is None:
        entry = TrainingLog(session_id=session.id, version=1)
        db.session.add(entry)
    after = {"topic": topic, "content": content, "remarks": remarks}
    if entry.signed_at is not None:
        before = _state(entry)
        if before == after:
            return entry
        if not reason.strip():
            raise ProjectError("reason_missing")
        if len(reason) > MAX_TEXT:
            raise ProjectError("too_long", limit=MAX_TEXT)
        entry.version += 1
        db.session.add(
            TrainingLogChange(
                session_id=session.id,
                version=entry.version,
                by_id=by.id,
                at=now,
                reason=reason.strip(),
                before=before,
                after=after,
            )
        )
        # A signed log stays signed: the corrector signs the new version.
        sign = True
        log.info("training log of session %s corrected by user %s (v%s)", session.id, by.id, entry.version)
    entry.topic, entry.content, entry.remarks = topic, content, remarks
    entry.written_by_id, entry.updated_at = by.id, now
    if sign:
        entry.signed_by_id, entry.signed_at = by.id, now
    db.session.flush()
    return entry


def history(entry: TrainingLog) -> list[TrainingLogChange]:
    """The corrections of a signed log, newest first."""
    stmt = (
        select(TrainingLogChange)
        .where(TrainingLogChange.session_id == entry.session_id)
        .order_by(TrainingLogChange.version.desc())
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Missing:
    """One line of the administrators' list: a session and what it lacks (``log`` or ``attendance``)."""

    session: TrainingSession
    lacks: str


def missing(*, now: datetime | None = None, cohort_id: int | None = None, limit: int = 500) -> list[Missing]:
    """Past sessions with no signed log, and sessions whose log exists but that have no mark at all (the log
    then says a class took place that the attendance does not show), oldest first.  Two queries."""
    now = now or utcnow()
    marked = exists().where(AttendanceRecord.session_id == TrainingSession.id)
    logged = exists().where(TrainingLog.session_id == TrainingSession.id, TrainingLog.signed_at.is_not(None))
    any_log = exists().where(TrainingLog.session_id == TrainingSession.id)
    base = select(TrainingSession).order_by(TrainingSession.starts_at, TrainingSession.id).limit(limit)
    if cohort_id is not None:
        base = base.where(TrainingSession.cohort_id == cohort_id)
    no_log = db.session.scalars(base.where(TrainingSession.ends_at <= now, ~logged))
    no_marks = db.session.scalars(base.where(any_log, ~marked))
    rows = [Missing(s, "log") for s in no_log] + [Missing(s, "attendance") for s in no_marks]
    return sorted(rows, key=lambda m: (m.session.starts_at, m.session.id, m.lacks))


def logs_of(sessions: list[TrainingSession]) -> dict[int, TrainingLog]:
    """The logs of *sessions* by session id (one query)."""
    ids = [s.id for s in sessions]
    if not ids:
        return {}
    return {
        e.session_id: e
        for e in db.session.scalars(select(TrainingLog).where(TrainingLog.session_id.in_(ids)))
    }
