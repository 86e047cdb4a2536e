"""Completion records: a trainee's completion of a programme, signed by the centre."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.programmes.models import Cohort
from lms.users.models import User


class Completion(db.Model):
    """A trainee's completion of a programme (through a cohort), signed by the centre."""

    __tablename__ = "projects_completions"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    completed_on: Mapped[date] = mapped_column(Date, index=True)
    #: Public identifier in the verification URL (random, >= 128 bits).
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: The record as signed: name, programme, cohort, dates, completed projects (canonical JSON).
    record: Mapped[dict] = mapped_column(JSON)
    #: Signature over the canonical JSON of ``record`` and the id of the key that made it.
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    cohort: Mapped[Cohort] = relationship()
