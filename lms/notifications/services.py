"""Sending and reading notifications.

Plugins call :func:`notify` with a function that returns the message; it is
called once per interface language (under ``force_locale``), so the reader
sees it in their language whatever the sender's was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.kinds import get_kind
from lms.notifications.models import Notification
from lms.users.models import User

log = logging.getLogger(__name__)


def notify(
    user: User,
    message: Callable[[], str],
    url: str = "",
    *,
    email: bool = True,
    once: bool = False,
    kind: str = "notice",
) -> Notification:
    """Store a notification for *user* and (with *email*) queue a copy by e-mail in their language.

    *kind* names a registered :class:`~lms.notifications.kinds.MessageKind` (``grade_released``): the
    person's preferences for that kind decide where it reaches them.

    With *once*, an event that has its own page (*url*) is announced once: when *user* already has a
    notification pointing there, that one is returned and nothing new is stored or mailed (a repeated or
    retried action, or a signal answered twice, does not announce the same thing again).
    """
    from lms.mail import absolute_link, queue_mail

    get_kind(kind)  # an unknown kind is a programming error: fail here, not in a preference lookup later

    if once and url:
        earlier = db.session.scalar(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.url == url)
            .order_by(Notification.id)
            .limit(1)
        )
        if earlier is not None:
            return earlier
    texts = {}
    for lang in ("ko", "en"):
        with force_locale(lang):
            texts[lang] = message()
    note = Notification(
        user_id=user.id, text_ko=texts["ko"], text_en=texts["en"], url=url if url.startswith("/") else ""
    )
    db.session.add(note)
    db.session.flush()
    if email and user.active:
        lang = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        body = texts.get(lang, texts["ko"])
        link = absolute_link(note.url) if note.url else ""
        text = body + ("\n\n" + link if link else "")
        queue_mail(user.email, body[:120], text, recipient_id=user.id, kind=kind)
    log.info("notification %s to user %s", note.id, user.id)
    return note


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 30) -> list[Notification]:
    return list(db.session.scalars(of_user(user).limit(limit)))


def of_user(user: User):
    """A ``select`` of the user's notifications, newest first (to paginate)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def mark_read(user: User, url: str) -> None:
    """Mark the user's notifications that point at *url* as read (they opened what it announced)."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.url == url, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
