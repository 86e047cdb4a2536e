"""Rubrics (versioned), assessments with optimistic locking, their audit history and timecoded comments."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User
from projects.coursework.models import Submission, _localised


class Rubric(db.Model):
    """A rubric in a programme's library; its content lives in immutable versions."""

    __tablename__ = "projects_rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The programme whose library holds it (None: shared by every programme).
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[RubricVersion]] = relationship(
        back_populates="rubric", order_by="RubricVersion.number", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def latest(self) -> RubricVersion:
        return self.versions[-1]


class RubricVersion(db.Model):
    """One immutable state of a rubric: what an assessment refers to, so later edits never rewrite a grade.

    ``data``: ``{"criteria": [{"id", "title_ko", "title_en", "description_ko", "description_en", "weight",
    "technical", "levels": [{"id", "name_ko", "name_en", "description_ko", "description_en",
    "points" | "min_points" + "max_points"}]}]}`` — the shape :func:`projects.grading.rubric_from_dict` reads.
    """

    __tablename__ = "projects_rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("projects_rubrics.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rubric: Mapped[Rubric] = relationship(back_populates="versions")

    @property
    def criteria(self) -> list[dict]:
        return self.data.get("criteria", [])


class AssessmentKind(str, enum.Enum):
    GRADER = "grader"
    SELF = "self"


class MarkingStatus(str, enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    RELEASED = "released"


class Assessment(db.Model):
    """A rubric assessment of one submission (the grader's, or the trainee's own).

    ``version`` is SQLAlchemy's version counter: an UPDATE carries ``WHERE
    version = <what the form saw>``, so two graders saving at once cannot
    silently overwrite each other — the second gets a conflict.
    """

    __tablename__ = "projects_assessments"
    __table_args__ = (UniqueConstraint("submission_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("projects_submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AssessmentKind] = mapped_column(str_enum(AssessmentKind, 8), default=AssessmentKind.GRADER)
    rubric_version_id: Mapped[int] = mapped_column(
        ForeignKey("projects_rubric_versions.id", ondelete="RESTRICT")
    )
    #: The attempt being graded (the latest when grading started).
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("projects_attempts.id", ondelete="SET NULL"))
    #: ``{criterion_id: {"level_id": str | None, "points": str | None, "comment": str, "comment_second": str,
    #: "auto": bool}}`` (``comment_second``: in :attr:`second_locale`, only when written);
    #: ``auto`` marks a technical criterion pre-filled from the media checks and not changed since.
    marks: Mapped[dict] = mapped_column(JSON, default=dict)
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: A second language the grader also writes in (often the trainee's own, e.g. ``vi``; None: none), and
    #: the feedback in it; each mark's ``comment_second`` and each timed comment's ``text_second`` are in it.
    second_locale: Mapped[str | None] = mapped_column(String(8))
    feedback_second: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[MarkingStatus] = mapped_column(
        str_enum(MarkingStatus, 12), default=MarkingStatus.NOT_STARTED, index=True
    )
    #: The final grade from projects.grading (None until every criterion is marked).
    grade: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    penalty: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    submission: Mapped[Submission] = relationship()
    rubric_version: Mapped[RubricVersion] = relationship()
    grader: Mapped[User | None] = relationship(foreign_keys=[grader_id])
    adjustments: Mapped[list[Adjustment]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list[TimedComment]] = relationship(
        cascade="all, delete-orphan", order_by="TimedComment.seconds"
    )

    def adjustment_for(self, user_id: int) -> Adjustment | None:
        return next((a for a in self.adjustments if a.user_id == user_id), None)


class AssessmentChange(db.Model):
    """Who changed an assessment, when, and what it was before and after (shown on the submission)."""

    __tablename__ = "projects_assessment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("projects_assessments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: ``{"marks", "feedback", "status", "grade"}`` snapshots.
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()


class Adjustment(db.Model):
    """A team member's individual adjustment to the team's grade (points, may be negative)."""

    __tablename__ = "projects_adjustments"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("projects_assessments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()


class TimedComment(db.Model):
    """Feedback pinned to a moment of a video, optionally about one criterion."""

    __tablename__ = "projects_timed_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("projects_assessments.id", ondelete="CASCADE"), index=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"), index=True)
    seconds: Mapped[float] = mapped_column(Float)
    criterion_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    #: The comment in the assessment's second language (``Assessment.second_locale``), if written.
    text_second: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


@event.listens_for(RubricVersion, "before_update")
def _frozen(_mapper, _connection, target) -> None:
    # Grades refer to versions; a change must become a new version (projects.rubrics.save_rubric).
    raise ValueError(f"rubric version {target.id} is immutable")
