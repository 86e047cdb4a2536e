"""Open Badges 3.0 credentials: one signed ``OpenBadgeCredential`` per issued achievement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, utcnow
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
