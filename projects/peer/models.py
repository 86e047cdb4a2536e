"""Peer review of one project: its settings, the calibration examples and attempts, the reviews, overrides."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User
from projects.coursework.models import Project, Submission
from projects.grading.models import RubricVersion
from projects.peer.arithmetic import Strictness


class PeerMethod(str, enum.Enum):
    """How the reviewers' marks of one criterion are combined."""

    MEDIAN = "median"
    TRIMMED_MEAN = "trimmed_mean"


class PeerSettings(db.Model):
    """How a project runs peer review (one row per project; no row: no peer review)."""

    __tablename__ = "projects_peer_settings"
    __table_args__ = (
        CheckConstraint("reviews_each BETWEEN 1 AND 10", name="reviews_each_range"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_order"),
        CheckConstraint("agreement BETWEEN 0 AND 100", name="agreement_range"),
        CheckConstraint(
            "peer_weight >= 0 AND self_weight >= 0 AND instructor_weight >= 0", name="weights_not_negative"
        ),
    )

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: How many works each trainee reviews (and so, on average, how many reviews each work gets).
    reviews_each: Mapped[int] = mapped_column(Integer, default=3)
    #: Reviewers do not see whose work it is / authors do not see who reviewed them.
    anonymous_authors: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymous_reviewers: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    method: Mapped[PeerMethod] = mapped_column(str_enum(PeerMethod, 14), default=PeerMethod.MEDIAN)
    strictness: Mapped[Strictness] = mapped_column(str_enum(Strictness, 12), default=Strictness.FAIR)
    #: Weights of the peer, self and instructor grades in the final grade (peer 0: feedback only).
    peer_weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    self_weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    instructor_weight: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(1))
    #: Agreement (0–100, the assessing grade of an attempt) a trainee must reach on the examples first.
    agreement: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(70))
    #: Or this many attempts on every example (None: agreement only).
    attempts_enough: Mapped[int | None] = mapped_column(Integer)
    #: After this many days past the window's end, a work with ≥ 30% of its reviews is graded (None: never).
    flexible_after_days: Mapped[int | None] = mapped_column(Integer)
    #: The rubric reviewers mark with (None: the project's own rubric). Peer marks are keyed by its criterion
    #: ids, so it stays once a review, an example or a calibration attempt exists.
    rubric_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_rubric_versions.id", ondelete="RESTRICT")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    rubric_version: Mapped[RubricVersion | None] = relationship()


class PeerExample(db.Model):
    """A piece of work with the instructor's reference assessment, for trainees to practise on."""

    __tablename__ = "projects_peer_examples"
    __table_args__ = (UniqueConstraint("project_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    #: The example work (often from an earlier cohort, shared with consent; it need not be this project's).
    submission_id: Mapped[int] = mapped_column(ForeignKey("projects_submissions.id", ondelete="CASCADE"))
    #: The reference marks, in the shape of an assessment's ``marks``.
    reference: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()


class PeerCalibration(db.Model):
    """One trainee's attempt at assessing an example, and how well it agreed with the reference."""

    __tablename__ = "projects_peer_calibrations"
    __table_args__ = (UniqueConstraint("example_id", "reviewer_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    example_id: Mapped[int] = mapped_column(
        ForeignKey("projects_peer_examples.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    marks: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The assessing grade of this attempt (0–100) against the reference.
    agreement: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    example: Mapped[PeerExample] = relationship()


class PeerReviewStatus(str, enum.Enum):
    ALLOCATED = "allocated"
    SUBMITTED = "submitted"


class PeerReview(db.Model):
    """One reviewer's review of one work: allocated, then submitted (again while the window is open).

    ``version`` is SQLAlchemy's version counter, as on grading's assessments: two tabs saving at once cannot
    silently overwrite each other.
    """

    __tablename__ = "projects_peer_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("projects_submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The allocation round that gave it (1 for the first; later rounds take late hand-ins).
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[PeerReviewStatus] = mapped_column(
        str_enum(PeerReviewStatus, 10), default=PeerReviewStatus.ALLOCATED
    )
    marks: Mapped[dict] = mapped_column(JSON, default=dict)
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: The reviewer's assessing grade for this review (0–100), against the others' median; None until known.
    assessing: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    submission: Mapped[Submission] = relationship()
    reviewer: Mapped[User] = relationship()
    comments: Mapped[list[PeerTimedComment]] = relationship(
        order_by="PeerTimedComment.media_id, PeerTimedComment.seconds",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class PeerTimedComment(db.Model):
    """A reviewer's comment pinned to a moment of the reviewed work's video, optionally about one criterion.

    No author column: the reviewer is the review's, so the comment is as anonymous as the review itself.
    """

    __tablename__ = "projects_peer_timed_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("projects_peer_reviews.id", ondelete="CASCADE"), index=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"), index=True)
    seconds: Mapped[float] = mapped_column(Float)
    criterion_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeerOverride(db.Model):
    """An instructor's override of a work's peer grade, with the reason (every change is a new row)."""

    __tablename__ = "projects_peer_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("projects_submissions.id", ondelete="CASCADE"), index=True
    )
    #: The peer grade before and after (None after: the override was withdrawn).
    before: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    after: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(String(1000))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
