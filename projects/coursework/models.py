"""Projects (briefs with deliverables and dates), teams, extensions, submissions and attempts."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.i18n import content_text
from lms.programmes.models import Cohort
from lms.users.models import User
from media.models import MediaFile


def _localised(obj, field: str) -> str:
    """The Korean or English variant of *field* for the reader, falling back to the other (both for readers
    of other languages; Korean with no reader: :func:`lms.i18n.content_text`)."""
    return content_text(getattr(obj, f"{field}_ko"), getattr(obj, f"{field}_en"))


class ProjectStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Project(db.Model):
    """A project brief given to one cohort."""

    __tablename__ = "projects_projects"
    __table_args__ = (
        CheckConstraint("cutoff_at IS NULL OR cutoff_at >= due_at", name="cutoff_after_due"),
        CheckConstraint("opens_at IS NULL OR opens_at <= due_at", name="opens_before_due"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="attempts_positive"),
        # Project lists page newest due first (42,000 projects at national scale).
        Index("ix_projects_projects_due_at_id", "due_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    #: Markdown; rendered with lms.markup (sanitised).
    brief_ko: Mapped[str] = mapped_column(Text, default="")
    brief_en: Mapped[str] = mapped_column(Text, default="")
    #: Learning outcomes / competencies, one per line.
    outcomes: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: After this nothing is accepted (without an extension); None: late work is accepted for ever.
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None: unlimited.
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    team_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The rubric version graders use (assessments keep the version they were made with).
    rubric_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_rubric_versions.id", ondelete="RESTRICT")
    )
    max_grade: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(100))
    #: ``projects.grading.LatePolicyKind``: none, per_day (``late_percent`` a day, not below ``late_floor``
    #: percent) or cap (late work capped at ``late_percent`` percent).
    late_policy: Mapped[str] = mapped_column(String(12), default="none")
    late_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    late_floor: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    #: Trainees assess themselves with the rubric before handing in.
    self_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Hours before the due date at which trainees who have not handed in are reminded, longest first
    #: (``projects.coursework.reminders.parse_hours``); "" sends no reminder before the date.
    reminder_hours: Mapped[str] = mapped_column(String(40), default="48,6", server_default="48,6")
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, 12), default=ProjectStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    deliverables: Mapped[list[Deliverable]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Deliverable.position"
    )
    teams: Mapped[list[Team]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Team.name"
    )
    rubric_version: Mapped[RubricVersion | None] = relationship()  # noqa: F821  (projects.models.grading)
    brief_translations: Mapped[list[BriefTranslation]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="BriefTranslation.locale"
    )

    @property
    def title(self) -> str:
        return _localised(self, "title")

    def brief_in(self, locale: str | None) -> BriefTranslation | None:
        """The instructor's version of the brief in *locale* (a trainee's language), if there is one."""
        return next((t for t in self.brief_translations if t.locale == locale), None)

    @property
    def published(self) -> bool:
        return self.status is ProjectStatus.PUBLISHED

    @property
    def outcome_list(self) -> list[str]:
        return [line.strip() for line in self.outcomes.splitlines() if line.strip()]

    @property
    def reminder_leads(self) -> list[int]:
        """The reminder hours as numbers, longest first (none for a hand-edited unreadable value)."""
        from projects.coursework.reminders import parse_hours

        try:
            return list(parse_hours(self.reminder_hours))
        except ValueError:
            return []


class DeliverableKind(str, enum.Enum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"
    DOCUMENT = "document"
    LINK = "link"
    TEXT = "text"

    @property
    def is_file(self) -> bool:
        return self not in (DeliverableKind.LINK, DeliverableKind.TEXT)


class BriefTranslation(db.Model):
    """A project's brief in one more language (a trainees' language, e.g. Vietnamese), written by an
    instructor and shown to readers of that language beside the Korean."""

    __tablename__ = "projects_brief_translations"
    __table_args__ = (UniqueConstraint("project_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    #: Markdown, rendered with lms.markup (sanitised), as the Korean brief.
    brief: Mapped[str] = mapped_column(Text, default="")
    #: A digest of the Korean brief it was written from: when the Korean changes, readers are told.
    source_digest: Mapped[str] = mapped_column(String(64), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship(back_populates="brief_translations")

    @property
    def outdated(self) -> bool:
        """Whether the Korean brief changed after this version was written."""
        return self.source_digest != brief_digest(self.project.brief_ko)


def brief_digest(text: str | None) -> str:
    """SHA-256 of a brief's text (spaces at the ends ignored)."""
    import hashlib

    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


class Deliverable(db.Model):
    """One thing a project asks for, with the technical brief its file must meet."""

    __tablename__ = "projects_deliverables"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_ko: Mapped[str] = mapped_column(String(160), default="")
    name_en: Mapped[str] = mapped_column(String(160), default="")
    kind: Mapped[DeliverableKind] = mapped_column(str_enum(DeliverableKind, 12))
    #: ``media.validation.DeliverableSpec`` fields (``kinds`` is implied by ``kind``).
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    guidance_ko: Mapped[str] = mapped_column(Text, default="", server_default="")
    guidance_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Caption tracks the video must carry, ``{"required": ["ko"], "optional": ["en"]}`` (language tags;
    #: :mod:`projects.coursework.caption_rules`). Kept out of ``spec``: the media checker never sees it.
    captions: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    project: Mapped[Project] = relationship(back_populates="deliverables")

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def guidance(self) -> str:
        """The guidance in the reader's language, else the other one."""
        return _localised(self, "guidance")

    @property
    def media_spec(self) -> dict:
        """The spec the media checks apply: the stored limits plus the kind."""
        return {**self.spec, "kinds": [self.kind.value]} if self.kind.is_file else {}


class Team(db.Model):
    __tablename__ = "projects_teams"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))

    project: Mapped[Project] = relationship(back_populates="teams")
    members: Mapped[list[User]] = relationship(
        secondary="projects_team_members", order_by="User.name", viewonly=True
    )


class TeamMember(db.Model):
    __tablename__ = "projects_team_members"
    #: One team per trainee per project.
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    team_id: Mapped[int] = mapped_column(
        ForeignKey("projects_teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects_projects.id", ondelete="CASCADE"))


class Extension(db.Model):
    """New due and cut-off dates for one trainee or one team, with the reason."""

    __tablename__ = "projects_extensions"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="user_or_team"),
        CheckConstraint("cutoff_at IS NULL OR cutoff_at >= due_at", name="cutoff_after_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_teams.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cutoff_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    team: Mapped[Team | None] = relationship()
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])


class SubmissionStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Submission(db.Model):
    """A trainee's (or team's) work on a project: the current draft and the attempts handed in."""

    __tablename__ = "projects_submissions"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        UniqueConstraint("project_id", "team_id"),
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="user_or_team"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_teams.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, 12), default=SubmissionStatus.DRAFT
    )
    #: Draft declarations, copied into each attempt. None: not answered yet.
    ai_used: Mapped[bool | None] = mapped_column(Boolean)
    ai_tools: Mapped[str] = mapped_column(Text, default="")
    ai_generated: Mapped[str] = mapped_column(Text, default="")
    #: People who appear in the work: ``[{"name": ..., "consent": "given" | "pending" | "refused"}]``.
    people: Mapped[list] = mapped_column(JSON, default=list)
    #: Copied from the newest attempt by ``submit()``, so lists and the gradebook need no join on attempts.
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    last_late: Mapped[bool] = mapped_column(Boolean, default=False)
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    user: Mapped[User | None] = relationship()
    team: Mapped[Team | None] = relationship()
    items: Mapped[list[DraftItem]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    attempts: Mapped[list[Attempt]] = relationship(back_populates="submission", order_by="Attempt.number")

    def item_for(self, deliverable: Deliverable) -> DraftItem | None:
        return next((i for i in self.items if i.deliverable_id == deliverable.id), None)

    @property
    def last_attempt(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


class DraftItem(db.Model):
    """What the next attempt will hand in for one deliverable.

    ``media`` is the file that will be handed in: only a file that passed its
    checks gets there.  A newer upload waits in ``candidate`` while it is
    checked, and stays there with its reasons if it is rejected, so a bad
    file never replaces an accepted one.
    """

    __tablename__ = "projects_draft_items"
    __table_args__ = (UniqueConstraint("submission_id", "deliverable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("projects_submissions.id", ondelete="CASCADE"))
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("projects_deliverables.id", ondelete="CASCADE"), index=True
    )
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="SET NULL"), index=True
    )
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="SET NULL"), index=True
    )
    link_url: Mapped[str] = mapped_column(String(2000), default="")
    text: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="items")
    deliverable: Mapped[Deliverable] = relationship()
    media: Mapped[MediaFile | None] = relationship(foreign_keys=[media_id])
    candidate: Mapped[MediaFile | None] = relationship(foreign_keys=[candidate_id])


class Attempt(db.Model):
    """One hand-in: an immutable record of what was submitted, when, and what was declared."""

    __tablename__ = "projects_attempts"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("projects_submissions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The due date in force at submission (after extensions); ``late`` compares against it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    statement_accepted: Mapped[bool] = mapped_column(Boolean)
    ai_used: Mapped[bool] = mapped_column(Boolean)
    ai_tools: Mapped[str] = mapped_column(Text, default="")
    ai_generated: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[list] = mapped_column(JSON, default=list)

    submission: Mapped[Submission] = relationship(back_populates="attempts")
    submitted_by: Mapped[User | None] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptItem.position"
    )


class AttemptItem(db.Model):
    """One deliverable as handed in; name, size and hash are copied for the receipt."""

    __tablename__ = "projects_attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "deliverable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("projects_attempts.id", ondelete="CASCADE"), index=True
    )
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("projects_deliverables.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: RESTRICT: a file handed in can never disappear from under its attempt.
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="RESTRICT"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    link_url: Mapped[str] = mapped_column(String(2000), default="")
    text: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    deliverable: Mapped[Deliverable] = relationship()
    media: Mapped[MediaFile | None] = relationship()


class SentReminder(db.Model):
    """The claim on one reminder (``projects.coursework.reminders``): its key is unique, so of two workers
    that try to send the same one, the second inserts nothing and sends nothing (written in the transaction
    that writes the notification and the mail)."""

    __tablename__ = "projects_sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``reminder:due48h:project 7:user 9:2026-12-09T09:00Z``; the outbox row carries the same key.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: None for an instructor's digest, which covers several projects.
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Attempt, "before_update")
@event.listens_for(AttemptItem, "before_update")
def _immutable(_mapper, _connection, target) -> None:
    # An attempt is the record of what was handed in; grades and history rely on it.
    raise ValueError(f"{type(target).__name__} {target.id} is immutable")
