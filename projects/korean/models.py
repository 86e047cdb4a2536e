"""A trainee's Korean-level records: each on one scale, with its score report, checked by staff."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User
from media.models import MediaFile


class Scale(str, enum.Enum):
    TOPIK = "topik"  # levels 1–6, with a test date; counts two years
    KIIP = "kiip"  # stages 0–5


class EvidenceStatus(str, enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class KoreanEvidence(db.Model):
    """One result a trainee reports, with the uploaded score report or certificate."""

    __tablename__ = "projects_korean_evidence"
    __table_args__ = (
        CheckConstraint(
            "(scale = 'topik' AND level >= 1 AND level <= 6 AND test_date IS NOT NULL)"
            " OR (scale = 'kiip' AND level >= 0 AND level <= 5)",
            name="level_on_scale",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scale: Mapped[Scale] = mapped_column(str_enum(Scale, 8))
    level: Mapped[int] = mapped_column(Integer)
    #: The test (TOPIK) or the stage's completion (KIIP, optional); a TOPIK result counts two years from it.
    test_date: Mapped[date | None] = mapped_column(Date)
    #: The score report or certificate; checked like any upload, and only ever downloaded.
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id", ondelete="SET NULL"))
    status: Mapped[EvidenceStatus] = mapped_column(
        str_enum(EvidenceStatus, 10), default=EvidenceStatus.PENDING
    )
    #: The trainee's choice to show this result to employers (it shows only once verified).
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    media: Mapped[MediaFile | None] = relationship()
