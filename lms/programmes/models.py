"""Programmes (e.g. AI-based video production) and their cohorts."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime

from flask_babel import get_locale
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.i18n import content_text, reader_language
from lms.users.models import User

#: Hangul syllables and jamo: how a name given in one language only is told to be Korean.
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def split_by_language(text: str) -> tuple[str, str]:
    """``(ko, en)`` for a text given in one language: Korean if it holds Hangul, else English. Used for a
    name typed before names were bilingual (and by the migration that made them so), so that the reader of the
    other language sees it as the fallback rather than as their own language's name."""
    text = (text or "").strip()
    return (text, "") if _HANGUL.search(text) else ("", text)


def reader_wants_english() -> bool:
    """Whether the reader reads English: the request's language, or the one ``force_locale`` sets (a
    notification is written in both languages, also from the worker or the command line). With neither,
    there is no reader: Korean, the centre's language."""
    try:
        return str(get_locale() or "ko") == "en"
    except RuntimeError:  # no request and no forced language
        return False


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in CSV imports and the API (e.g. ``AIVIDEO``).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ko: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="programme", order_by="Cohort.start_date")

    @property
    def name(self) -> str:
        """The name in the reader's language, falling back to the other (both for other readers)."""
        return content_text(self.name_ko, self.name_en)


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        UniqueConstraint("programme_id", "code"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    #: Unique within the programme; CSV imports name cohorts by it (e.g. ``2026-1``).
    code: Mapped[str] = mapped_column(String(32))
    #: Display names; at least one is given. The code, not a name, identifies the cohort in CSV files.
    name_ko: Mapped[str] = mapped_column(String(160), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    instructors: Mapped[list[User]] = relationship(secondary="cohort_instructors", order_by="User.name")
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        """The name in the reader's language, else the other one (then the code, never blank)."""
        return content_text(self.name_ko, self.name_en) or self.code or ""

    @name.setter
    def name(self, value: str) -> None:
        # A single name (older callers, ``create_cohort(name=...)``): stored under the language it is in.
        self.name_ko, self.name_en = split_by_language(value)

    @property
    def other_name(self) -> str:
        """The name in the other language, when it differs from :attr:`name` (shown beside it)."""
        ko, en = self.name_ko or "", self.name_en or ""
        if reader_language() not in (None, "ko", "en"):
            return ""  # :attr:`name` already shows both
        other = ko if reader_wants_english() else en
        return other if other and other != self.name else ""


class CohortInstructor(db.Model):
    __tablename__ = "cohort_instructors"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class EnrolmentStatus(str, enum.Enum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, 12), default=EnrolmentStatus.ACTIVE
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    user: Mapped[User] = relationship()
