"""A notification to one user, and each person's choices about messages (per kind, quiet hours, digest)."""

from __future__ import annotations

from datetime import datetime, time

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Time, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.notifications.rules import Channel


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The message in Korean and English, rendered when it was sent (the reader's language picks one).
    text_ko: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    #: The reader's own language when it is neither Korean nor English (``vi``), and the message in it.
    locale: Mapped[str | None] = mapped_column(String(8))
    text_local: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: A path inside the site (never an outside address).
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: False when the person turned this kind off on the site: the row stays (``notify(once=True)`` keys on
    #: it, so a retried action still announces once) but no page lists or counts it.
    shown: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def text(self) -> str:
        """The message in the reader's language: their own when it was written in it, else Korean for a
        Korean reader (and outside a request) and English for everyone else."""
        return {"ko": self.text_ko, "en": self.text_en}.get(self.text_language, self.text_local)

    @property
    def text_language(self) -> str:
        """The language :attr:`text` is in (for the page's ``lang``: an English notice on an Urdu page)."""
        reader = str(get_locale() or "ko") if has_request_context() else "ko"
        if reader == self.locale and self.text_local:
            return reader
        return "ko" if reader == "ko" else "en"


class NotificationPreference(db.Model):
    """One person's choice for one kind of message; no row means the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: A registered kind's name (``lms.notifications.kinds``).
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10), default=Channel.BOTH)
    #: Its e-mails wait for the daily digest instead of going one by one.
    digest: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationSettings(db.Model):
    """One person's settings for all their mail: quiet hours and the key of their unsubscribe links."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: Quiet hours in the person's own time zone (wall-clock times; may cross midnight). Mail that is not
    #: required waits until the end.
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    #: The key id in every unsubscribe link sent to them; raising it makes all those links stop working.
    unsubscribe_key: Mapped[int] = mapped_column(Integer, default=1)


class DigestEntry(db.Model):
    """A message that waits for its person's daily digest."""

    __tablename__ = "notification_digest_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    #: The idempotency key the mail was queued with: a rerun adds nothing here either.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The digest that took it (``digest:user 9:2026-12-07``); ``None`` while it waits.
    digest_key: Mapped[str | None] = mapped_column(String(200), index=True)
