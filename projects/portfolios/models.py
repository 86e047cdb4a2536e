"""Portfolios built from released, graded work; share links and the view log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User
from media.models import MediaFile


class Visibility(str, enum.Enum):
    """Who may read a portfolio; each level includes the ones before it."""

    PRIVATE = "private"
    #: The centre's staff (instructors of the trainee's cohorts, liaisons, admins).
    STAFF = "staff"
    #: Staff and employers the liaison approved; only these portfolios appear in employer search.
    EMPLOYERS = "employers"
    #: Staff, approved employers and anyone holding a live share link.
    LINK = "link"


class Portfolio(db.Model):
    """A trainee's portfolio: one per trainee, with a headline, skills and chosen items."""

    __tablename__ = "projects_portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    headline_ko: Mapped[str] = mapped_column(String(200), default="")
    headline_en: Mapped[str] = mapped_column(String(200), default="")
    about_ko: Mapped[str] = mapped_column(Text, default="")
    about_en: Mapped[str] = mapped_column(Text, default="")
    #: Free skills the trainee names (["Premiere Pro", "Runway"]), as typed.
    skills: Mapped[list] = mapped_column(JSON, default=list)
    #: Where the trainee wants to work: a region code from ``projects.portfolios.REGIONS``.
    region: Mapped[str | None] = mapped_column(String(40), index=True)
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, 12), default=Visibility.PRIVATE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: First time the trainee made it visible beyond themselves.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    items: Mapped[list[PortfolioItem]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="PortfolioItem.position"
    )
    links: Mapped[list[ShareLink]] = relationship(
        back_populates="portfolio", cascade="all, delete-orphan", order_by="ShareLink.created_at.desc()"
    )
    competencies: Mapped[list[PortfolioCompetency]] = relationship(
        cascade="all, delete-orphan", order_by="PortfolioCompetency.label_en"
    )


class PortfolioItem(db.Model):
    """One piece of released, graded work shown in a portfolio, with the trainee's reflection."""

    __tablename__ = "projects_portfolio_items"
    __table_args__ = (UniqueConstraint("portfolio_id", "attempt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("projects_portfolios.id", ondelete="CASCADE"), index=True
    )
    #: The attempt that was graded; its AI-use disclosure is shown with the item.
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("projects_attempts.id", ondelete="CASCADE"), index=True
    )
    #: The released assessment that made the item eligible.
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_assessments.id", ondelete="SET NULL")
    )
    #: The handed-in file the item shows (one of the attempt's files).
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_files.id", ondelete="SET NULL"), index=True
    )
    #: The moment of the video the trainee picked as the poster (None: the file's own poster).
    poster_seconds: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title_ko: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    reflection_ko: Mapped[str] = mapped_column(Text, default="")
    reflection_en: Mapped[str] = mapped_column(Text, default="")
    #: People in the work, copied from the attempt; consent is recorded here, since attempts are immutable:
    #: ``[{"name": ..., "consent": "given" | "pending" | "refused", "recorded_at": iso, "note": ...}]``.
    people: Mapped[list] = mapped_column(JSON, default=list)
    #: Shown to readers; refused while someone in it has not consented.
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    portfolio: Mapped[Portfolio] = relationship(back_populates="items")
    attempt: Mapped[Attempt] = relationship()  # noqa: F821  (projects.models.coursework)
    media: Mapped[MediaFile | None] = relationship()


class PortfolioCompetency(db.Model):
    """A competency evidenced by rubric results of released work (kept in step by the portfolio service)."""

    __tablename__ = "projects_portfolio_competencies"
    __table_args__ = (UniqueConstraint("portfolio_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("projects_portfolios.id", ondelete="CASCADE"), index=True
    )
    #: A stable, language-neutral key (e.g. the rubric criterion's English title, normalised).
    key: Mapped[str] = mapped_column(String(120), index=True)
    label_ko: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")
    #: The best share of the criterion's points reached (0–1) and how many assessments show it.
    level: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[int] = mapped_column(Integer, default=0)


class ShareLink(db.Model):
    """A per-recipient link to a portfolio; only a hash of its token is stored."""

    __tablename__ = "projects_share_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("projects_portfolios.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(160))
    #: SHA-256 (hex) of the URL token; the token itself is shown once, when the link is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    portfolio: Mapped[Portfolio] = relationship(back_populates="links")


class PortfolioView(db.Model):
    """One view of a portfolio by an employer or through a share link; the trainee reads the log."""

    __tablename__ = "projects_portfolio_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("projects_portfolios.id", ondelete="CASCADE"), index=True
    )
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_share_links.id", ondelete="SET NULL"), index=True
    )
    #: The viewer's role or "link", kept when the viewer's account is later removed.
    via: Mapped[str] = mapped_column(String(12))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    viewer: Mapped[User | None] = relationship()
    link: Mapped[ShareLink | None] = relationship()
