"""Centre-editable wording: overrides of shipped messages, reviews, offered languages and the revision.

Every row names its message by msgid (and a short key of it), never by a catalogue's line, so overrides and
reviews survive upgrades.  Each row keeps who last changed it and when, for the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, utcnow
from lms.extensions import db


class WordingOverride(db.Model):
    """The centre's own text for one message in one language, used instead of the shipped translation."""

    __tablename__ = "wording_overrides"
    __table_args__ = (UniqueConstraint("locale", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    #: :func:`lms.wording.rules.message_key` of the msgid: a unique index on a short column (a msgid may be
    #: longer than an index entry may be).
    key: Mapped[str] = mapped_column(String(32))
    msgid: Mapped[str] = mapped_column(Text)
    msgid_plural: Mapped[str | None] = mapped_column(Text)
    #: The text, one string per plural form of the language (one for a message without plural).
    forms: Mapped[list] = mapped_column(JSON)
    #: The shipped forms when the override was written (empty: the language had no translation): when the
    #: catalogue's text changes in an upgrade, the override shows as "to review".
    written_against: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WordingReview(db.Model):
    """A person read one message's text in one language and found it right (the latest review only)."""

    __tablename__ = "wording_reviews"
    __table_args__ = (UniqueConstraint("locale", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(32))
    #: :func:`lms.wording.rules.text_hash` of the text reviewed: a changed text is not reviewed any more.
    text_hash: Mapped[str] = mapped_column(String(64))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WordingLanguage(db.Model):
    """Whether the centre offers a configured language.  No row: offered (every configured language is, until
    an admin switches one off)."""

    __tablename__ = "wording_languages"

    locale: Mapped[str] = mapped_column(String(16), primary_key=True)
    offered: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WordingRevision(db.Model):
    """One row: a number raised by every change to overrides or languages.  Each web process reads it (at most
    once per request) and rebuilds its cached catalogues when it moved, so a change needs no restart."""

    __tablename__ = "wording_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
