"""Residency evidence packs: what a trainee chose to share with one recipient, frozen and signed when issued,
and the expiring links that show it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User


class RecipientKind(str, enum.Enum):
    IMMIGRATION = "immigration"  # an immigration office (출입국·외국인청)
    EMPLOYER = "employer"
    REGION = "region"  # a local government's regional-visa recommendation


class EvidencePack(db.Model):
    """A trainee's pack for one named recipient.

    ``choices`` is what the trainee ticked (nothing is in by default).  Issuing records the consent, freezes
    ``snapshot`` (the facts as they were) and signs ``credential``; later changes to grades, attendance or
    portfolios never alter an issued pack.  Revoking sets ``revoked_at``, ends every link, and sets the bit
    ``status_index`` of the packs' status list.
    """

    __tablename__ = "projects_evidence_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind, 12))
    recipient_name: Mapped[str] = mapped_column(String(160))
    choices: Mapped[dict] = mapped_column(JSON, default=dict)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    #: Public, random (>= 128 bits) once issued; the credential's id is /evidence/credentials/<code>.json.
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    status_index: Mapped[int | None] = mapped_column(Integer, unique=True)
    credential: Mapped[dict | None] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the trainee ticked "I agree to share this with ..." and issued the pack.
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    links: Mapped[list[EvidenceLink]] = relationship(
        back_populates="pack", cascade="all, delete-orphan", order_by="EvidenceLink.id.desc()"
    )

    @property
    def issued(self) -> bool:
        return self.consented_at is not None


class EvidenceLink(db.Model):
    """An expiring link to an issued pack; only a hash of its token is stored."""

    __tablename__ = "projects_evidence_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(
        ForeignKey("projects_evidence_packs.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 (hex) of the URL token; the token itself is shown once, when the link is made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pack: Mapped[EvidencePack] = relationship(back_populates="links")


class EvidenceView(db.Model):
    """One opening of a pack through a link (its page, PDF or credential); the trainee reads the log."""

    __tablename__ = "projects_evidence_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(
        ForeignKey("projects_evidence_packs.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects_evidence_links.id", ondelete="SET NULL"), index=True
    )
    #: "page", "pdf" or "json".
    what: Mapped[str] = mapped_column(String(8))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    link: Mapped[EvidenceLink | None] = relationship()
