"""Attendance in the personal-data download and in anonymising (called by :mod:`projects.privacy`).

The download holds the user's marks (with the check-in's address), the corrections of them, their excuses,
and the training logs they wrote or signed with the corrections they made.  Anonymising keeps the marks (the
centre must still account for hours and rates) and removes what identifies or describes the person: the
check-in's browser hash and address, the reasons written about their marks, their excuses' reasons, notes
and documents.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update

from lms.extensions import db
from lms.users.privacy import row_dict
from projects.attendance.models import (
    AttendanceCorrection,
    AttendanceRecord,
    Excuse,
    TrainingLog,
    TrainingLogChange,
)


def personal_data(user) -> dict:
    own = select(AttendanceRecord.id).where(AttendanceRecord.user_id == user.id)
    logs = select(TrainingLog).where(
        or_(TrainingLog.written_by_id == user.id, TrainingLog.signed_by_id == user.id)
    )
    return {
        "records": [
            row_dict(r, skip=("checkin_session_hash",))
            for r in db.session.scalars(select(AttendanceRecord).where(AttendanceRecord.user_id == user.id))
        ],
        "corrections": [
            row_dict(c)
            for c in db.session.scalars(
                select(AttendanceCorrection).where(AttendanceCorrection.record_id.in_(own))
            )
        ],
        "excuses": [row_dict(e) for e in db.session.scalars(select(Excuse).where(Excuse.user_id == user.id))],
        "training_logs": [row_dict(e) for e in db.session.scalars(logs)],
        "training_log_changes": [
            row_dict(c)
            for c in db.session.scalars(select(TrainingLogChange).where(TrainingLogChange.by_id == user.id))
        ],
    }


def anonymise(user) -> None:
    own = select(AttendanceRecord.id).where(AttendanceRecord.user_id == user.id)
    db.session.execute(
        update(AttendanceRecord)
        .where(AttendanceRecord.user_id == user.id)
        .values(checkin_session_hash=None, checkin_ip=None)
    )
    db.session.execute(
        update(AttendanceCorrection).where(AttendanceCorrection.record_id.in_(own)).values(reason="")
    )
    db.session.execute(
        update(Excuse).where(Excuse.user_id == user.id).values(reason="", decision_note="", media_id=None)
    )
    db.session.flush()
