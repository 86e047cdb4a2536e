"""The mail outbox: one row per message, written in the same transaction as the change that causes it.

A row is the durable promise to send: if the process dies right after the commit, the row is still there and
the next sweep sends it (:mod:`lms.mail` claims, sends and marks rows). Models compute; they never send.

Life of a row: ``queued`` → ``sending`` (claimed by one worker, leased until ``next_attempt_at``) → ``sent``;
or back to ``queued`` with a later ``next_attempt_at`` after a passing failure; or ``failed`` after the last
attempt (``lms check`` lists those).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db


class MailStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    """One e-mail to send (or sent, or given up on)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The sweep's question: which rows are due now?
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The account it is for, when there is one.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    #: The plain-text body; ``None`` once erased (sent or failed mail older than ``MAIL_KEEP_DAYS``: bodies
    #: hold live links such as set-password tokens).
    body: Mapped[str | None] = mapped_column(Text)
    #: The body holds a secret (a set-password link): it is erased as soon as the message is sent, so the
    #: database keeps a live token only while the message waits.
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What kind of message (``invite``, ``reset``, ``notice``, a reminder's kind …): for preferences, counts.
    kind: Mapped[str] = mapped_column(String(40), default="mail")
    #: Set by a caller that must send something at most once (a reminder:
    #: ``reminder:48h:deliverable 7:user 9``); queueing the same key again adds nothing.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, 10), default=MailStatus.QUEUED)
    #: Attempts started so far (a claim counts one).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When ``queued``: not before this. When ``sending``: the claim's lease ends then (a worker that died
    #: mid-send leaves the row to be claimed again after it).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Why the last attempt failed: the exception's kind and the server's answer, never a password.
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def retry_delay(attempts: int, first: float, longest: float) -> timedelta:
    """The wait after the *attempts*-th failed attempt: *first* seconds, doubling, at most *longest*."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), longest))


def message_id(row_id: int, created_at: datetime, domain: str) -> str:
    """The ``Message-ID`` of an outbox row: the same on every attempt, so a copy sent twice (a worker that
    died between the server's "OK" and marking the row sent) can be recognised as one message by receivers.
    The creation time keeps it unique when a new database numbers its rows from 1 again."""
    return f"<{created_at:%Y%m%d%H%M%S%f}.{row_id}.outbox@{domain}>"
