"""Employers the liaison approves, and their interest in trainees, brokered by the liaison."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User


class EmployerStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: Approved once, then stopped by the liaison; searches and links are refused again.
    SUSPENDED = "suspended"


class Employer(db.Model):
    """A company account's details and the liaison's decision on it (one per employer user)."""

    __tablename__ = "projects_employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    company: Mapped[str] = mapped_column(String(160))
    #: 사업자등록번호 (10 digits), which the liaison checks before approving.
    business_number: Mapped[str] = mapped_column(String(20), default="")
    industry: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EmployerStatus] = mapped_column(
        str_enum(EmployerStatus, 12), default=EmployerStatus.PENDING, index=True
    )
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def approved(self) -> bool:
        return self.status == EmployerStatus.APPROVED


class InterestStatus(str, enum.Enum):
    """An interest's path: the liaison forwards or declines it, the trainee accepts or declines, then the
    liaison records the outcome."""

    SUBMITTED = "submitted"
    FORWARDED = "forwarded"
    #: The liaison did not forward it (reason recorded).
    DECLINED_BY_LIAISON = "screened_out"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    INTERVIEW = "interview"
    HIRED = "hired"
    NOT_HIRED = "not_hired"
    WITHDRAWN = "withdrawn"


class Interest(db.Model):
    """An employer's interest in a trainee for a role; contact details are shared only once accepted."""

    __tablename__ = "projects_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("projects_employers.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_title: Mapped[str] = mapped_column(String(160))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[InterestStatus] = mapped_column(
        str_enum(InterestStatus, 16), default=InterestStatus.SUBMITTED, index=True
    )
    #: The liaison's note to the trainee when forwarding, or reason when declining.
    liaison_note: Mapped[str] = mapped_column(Text, default="")
    trainee_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    employer: Mapped[Employer] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    events: Mapped[list[InterestEvent]] = relationship(
        back_populates="interest", cascade="all, delete-orphan", order_by="InterestEvent.at"
    )


class InterestEvent(db.Model):
    """One step of an interest (who moved it to which status, when, with what note): the board's history."""

    __tablename__ = "projects_interest_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("projects_interests.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[InterestStatus] = mapped_column(str_enum(InterestStatus, 16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    interest: Mapped[Interest] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()
