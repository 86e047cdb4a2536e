"""NCS (National Competency Standards) units and what each project's outcomes and rubric criteria map to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, utcnow
from lms.extensions import db


class NcsUnit(db.Model):
    """A capability unit (능력단위) as the last import described it.

    ``prefix`` (10 digits) is the unit; ``code`` is the issue imported last (``2001020201_16v3``): a later
    issue updates the row in place, so mappings survive a new year or version.
    """

    __tablename__ = "projects_ncs_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(10), unique=True)
    code: Mapped[str] = mapped_column(String(20))
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[int] = mapped_column(Integer)
    #: The capability-unit elements (능력단위요소): ``[{"code", "name"}]``.
    elements: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NcsMapping(db.Model):
    """One project outcome or rubric criterion mapped to one unit.

    Kept beside the rubric, not in its JSON: rubric versions are immutable and shared by projects, and a
    mapping belongs to one project.  ``kind`` is ``criterion`` (``ref``: the criterion id in
    ``rubric_version_id``) or ``outcome`` (``ref``: the outcome's line number, from 1; no rubric version).
    """

    __tablename__ = "projects_ncs_mappings"
    # Named by hand: the convention's name of five columns is longer than PostgreSQL's 63 characters.
    __table_args__ = (
        UniqueConstraint(
            "project_id",
            "rubric_version_id",
            "kind",
            "ref",
            "unit_id",
            name="uq_projects_ncs_mappings_target_unit",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects_projects.id", ondelete="CASCADE"), index=True
    )
    rubric_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_rubric_versions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    ref: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("projects_ncs_units.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[NcsUnit] = relationship()
