"""Timetable and attendance: a cohort's sessions, each trainee's mark in each, the corrections made to marks,
excused absences, the programme's rules and the administrators' changes to the holiday calendar.

A session will later hold one training log (item 3 of issue 16): a table keyed by ``session_id`` alone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.programmes.models import Cohort, Programme
from lms.users.models import User
from media.models import MediaFile


class Mark(str, enum.Enum):
    """A trainee's mark in a session (the values are :data:`projects.attendance.rules.STATUSES`)."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"
    EXCUSED = "excused"


class MarkSource(str, enum.Enum):
    ROLL_CALL = "roll_call"
    CHECK_IN = "check_in"
    CORRECTION = "correction"
    EXCUSE = "excuse"


class ExcuseStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class Period(str, enum.Enum):
    MONTH = "month"
    COURSE = "course"


class TrainingSession(db.Model):
    """One class of a cohort: a day, its start and end, a room, an instructor and a topic; a Korean class's
    attended hours are the trainee's Korean-class hours (:func:`projects.korean.services.korean_hours`)."""

    __tablename__ = "projects_sessions"
    __table_args__ = (
        UniqueConstraint("cohort_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        Index("ix_projects_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    #: The day in the centre's time zone (what a timetable groups by; ``starts_at`` is UTC).
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(String(80), default="")
    instructor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    topic: Mapped[str] = mapped_column(String(200), default="")
    #: A class of the centre's Korean course, whatever its topic or programme says.
    korean: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Key of the rotating check-in code (HMAC of the session and the 30-second step); never shown or logged.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    instructor: Mapped[User | None] = relationship()

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class AttendanceRecord(db.Model):
    """A trainee's mark in a session; a session without a record for a trainee counts as not yet marked."""

    __tablename__ = "projects_attendance_records"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("projects_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mark: Mapped[Mark] = mapped_column(str_enum(Mark, 12))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[MarkSource] = mapped_column(str_enum(MarkSource, 12))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For a self check-in: the SHA-256 of the signed-in browser session that made it, and its address.
    checkin_session_hash: Mapped[str | None] = mapped_column(String(64))
    checkin_ip: Mapped[str | None] = mapped_column(String(45))

    session: Mapped[TrainingSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AttendanceCorrection(db.Model):
    """A change to a mark after its day (or by an approved excuse): who, when, why, before and after."""

    __tablename__ = "projects_attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("projects_attendance_records.id", ondelete="CASCADE"), index=True
    )
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    #: ``{"mark": …, "arrived_at": …, "left_at": …}`` (ISO times) before and after the change.
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    by: Mapped[User | None] = relationship()


class Excuse(db.Model):
    """A trainee's request to excuse an absence from a session, with a reason and a document."""

    __tablename__ = "projects_attendance_excuses"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("projects_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: The supporting document (a doctor's note, a summons), checked like any upload.
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id", ondelete="SET NULL"))
    status: Mapped[ExcuseStatus] = mapped_column(str_enum(ExcuseStatus, 10), default=ExcuseStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[TrainingSession] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    media: Mapped[MediaFile | None] = relationship()


class AttendanceRules(db.Model):
    """A programme's attendance rules (a programme without a row has the defaults of
    :class:`projects.attendance.rules.Rules`)."""

    __tablename__ = "projects_attendance_rules"
    __table_args__ = (
        CheckConstraint("min_rate_percent BETWEEN 0 AND 100", name="rate_percent"),
        CheckConstraint("lates_per_absence >= 1", name="lates_positive"),
    )

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    grace_minutes: Mapped[int] = mapped_column(Integer, default=10)
    lates_per_absence: Mapped[int] = mapped_column(Integer, default=3)
    min_rate_percent: Mapped[int] = mapped_column(Integer, default=80)
    period: Mapped[Period] = mapped_column(str_enum(Period, 8), default=Period.MONTH)

    programme: Mapped[Programme] = relationship()


class HolidayOverride(db.Model):
    """An administrator's change to the holiday calendar: a day off added (``closed``) or a built-in
    holiday made a working day."""

    __tablename__ = "projects_attendance_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingLog(db.Model):
    """A session's training log (훈련일지): what was taught, written by the instructor.  Signing locks it; a
    change after signing is a new version, its before and after kept in :class:`TrainingLogChange`."""

    __tablename__ = "projects_training_logs"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("projects_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[TrainingSession] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])


class TrainingLogChange(db.Model):
    """A correction of a signed log: who, when, why, the text before and after, and the version it made."""

    __tablename__ = "projects_training_log_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("projects_training_logs.session_id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    #: ``{"topic": …, "content": …, "remarks": …}`` before and after.
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    by: Mapped[User | None] = relationship()
