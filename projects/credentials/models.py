"""Open Badges 3.0 credentials: one signed ``OpenBadgeCredential`` per issued achievement, and the
achievements the centre defines with the trainees they were awarded to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User


class OpenBadge(db.Model):
    """An issued Open Badges 3.0 credential (a W3C Verifiable Credential with an eddsa-rdfc-2022 proof).

    ``credential`` is the document exactly as signed: changing any of it breaks the proof.  Revoking sets
    ``revoked_at`` and the bit ``status_index`` of the centre's status list.
    """

    __tablename__ = "projects_open_badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The completion record it stands for (None for an achievement issued by hand).
    completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_completions.id", ondelete="CASCADE"), index=True
    )
    #: Public, random (>= 128 bits); the credential's id is the address /credentials/<code>.json.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: Its bit in the revocation status list (random and unique, so a position tells nothing).
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    credential: Mapped[dict] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AchievementKind(str, enum.Enum):
    PROJECT_PASSED = "project_passed"  # a project's released grade reached the pass mark
    COMPETENCY_SHOWN = "competency_shown"  # an NCS unit shown (or a rubric criterion scored well)
    KOREAN_STAGE = "korean_stage"  # a KIIP stage or TOPIK level reached, verified by staff


class AchievementDefinition(db.Model):
    """An achievement the centre defines; each trainee who meets it is awarded it once, as a credential.

    What a kind reads: ``project_passed`` the project and ``pass_percent`` (of its maximum grade);
    ``competency_shown`` the NCS unit, or where none is mapped ``criterion_title`` (a rubric criterion's
    title in either language); ``korean_stage`` the scale and the lowest level.  ``alignment``: prefixes of
    further NCS units the credential aligns to.
    """

    __tablename__ = "projects_achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AchievementKind] = mapped_column(str_enum(AchievementKind, 20))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_ko: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    criteria_ko: Mapped[str] = mapped_column(Text, default="")
    criteria_en: Mapped[str] = mapped_column(Text, default="")
    #: Open Badges 3.0's ``achievementType`` (``Achievement``, ``Competency``, ``Certificate``...).
    achievement_type: Mapped[str] = mapped_column(String(40), default="Achievement")
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="SET NULL"), index=True
    )
    pass_percent: Mapped[int | None] = mapped_column(Integer)
    ncs_unit_id: Mapped[int | None] = mapped_column(ForeignKey("projects_ncs_units.id", ondelete="SET NULL"))
    criterion_title: Mapped[str] = mapped_column(String(200), default="")
    korean_scale: Mapped[str | None] = mapped_column(String(8))
    korean_level: Mapped[int | None] = mapped_column(Integer)
    alignment: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AchievementAward(db.Model):
    """A trainee met a definition: recorded once (the unique pair), then issued by a background job, which
    sets ``badge_id``; a job run again finds it set and issues nothing."""

    __tablename__ = "projects_achievement_awards"
    __table_args__ = (UniqueConstraint("definition_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("projects_achievements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What met it ("Project: 85/100"), for the administrators' list.
    evidence: Mapped[str] = mapped_column(Text, default="")
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("projects_open_badges.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    definition: Mapped[AchievementDefinition] = relationship()
    user: Mapped[User] = relationship()
    badge: Mapped[OpenBadge | None] = relationship()
