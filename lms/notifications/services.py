"""Sending and reading notifications, and each person's choices about them.

Plugins call :func:`notify` with a function that returns the message; it is
called in Korean, English and the recipient's own language (under ``force_locale``), so the reader
sees it in their language whatever the sender's was.

Choices (:func:`save_preferences`) are honoured in two places: :func:`notify` for the site, and
:func:`lms.notifications.delivery.route_mail` for e-mail (turned off, daily digest, quiet hours, the
unsubscribe link).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from flask_babel import force_locale
from sqlalchemy import func, select, update

from lms.db import utcnow
from lms.extensions import db
from lms.notifications import rules
from lms.notifications.kinds import MessageKind, find_kind, get_kind, listed_kinds
from lms.notifications.models import Notification, NotificationPreference, NotificationSettings
from lms.notifications.rules import Channel, Choice
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
    from lms.i18n import language_of

    lang = language_of(user)
    texts = {}
    for each in dict.fromkeys(("ko", "en", lang)):
        with force_locale(each):
            texts[each] = message()
    own = lang not in ("ko", "en")
    note = Notification(
        user_id=user.id,
        text_ko=texts["ko"],
        text_en=texts["en"],
        locale=lang if own else None,
        text_local=texts[lang] if own else "",
        url=url if url.startswith("/") else "",
        shown=choice_for(user, kind).channel.in_app,
    )
    db.session.add(note)
    db.session.flush()
    if email and user.active:
        body = texts[lang]
        link = absolute_link(note.url) if note.url else ""
        text = body + ("\n\n" + link if link else "")
        queue_mail(user.email, body[:120], text, recipient_id=user.id, kind=kind)
    log.info("notification %s to user %s", note.id, user.id)
    return note


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Notification.user_id == user.id, Notification.read_at.is_(None), Notification.shown
            )
        )
        or 0
    )


def recent(user: User, limit: int = 30) -> list[Notification]:
    return list(db.session.scalars(of_user(user).limit(limit)))


def of_user(user: User):
    """A ``select`` of the user's notifications, newest first (to paginate)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.shown)
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


# --- Preferences -------------------------------------------------------------------------------------------


def settings_of(user_id: int) -> NotificationSettings | None:
    """The person's mail settings row (``None``: never saved; defaults apply)."""
    return db.session.get(NotificationSettings, user_id)


def effective_choice(kind: MessageKind, stored: NotificationPreference | None) -> Choice:
    """What applies for *kind*, given the person's stored row (or ``None``)."""
    choice = Choice(stored.channel, stored.digest) if stored is not None else None
    return rules.effective(choice, required=kind.required, email_by_default=kind.email)


def choice_for(user: User, kind_name: str) -> Choice:
    """What applies to *user* for the kind called *kind_name* (their choice, or the kind's default)."""
    kind = get_kind(kind_name)
    stored = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind_name
        )
    )
    return effective_choice(kind, stored)


@dataclass(frozen=True)
class Preferences:
    """Everything the preferences page shows: a choice per listed kind and the quiet hours."""

    choices: dict[str, Choice]
    quiet_start: time | None
    quiet_end: time | None


def preferences_of(user: User) -> Preferences:
    """*user*'s choices for every listed kind (defaults filled in) and their quiet hours."""
    stored = {
        p.kind: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    settings = settings_of(user.id)
    return Preferences(
        {kind.name: effective_choice(kind, stored.get(kind.name)) for kind in listed_kinds()},
        settings.quiet_start if settings else None,
        settings.quiet_end if settings else None,
    )


def save_preferences(
    user: User, choices: dict[str, Choice], quiet_start: time | None = None, quiet_end: time | None = None
) -> int:
    """Store *user*'s *choices* (kind name → :class:`~lms.notifications.rules.Choice`) and quiet hours.

    Kinds that are required or unknown are skipped, whatever was posted: a security mail can't be turned
    off. A kind left at its default gets no row. Quiet hours need both ends (one alone, or equal ends,
    clears them). Returns how many kinds were stored; flushes.
    """
    stored = {
        p.kind: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    saved = 0
    for name, choice in choices.items():
        kind = find_kind(name)
        if kind is None or kind.required or not kind.listed:
            log.warning("user %s posted a choice for kind %r, which can't be chosen", user.id, name[:40])
            continue
        wanted = Choice(Channel(choice.channel), bool(choice.digest) and Channel(choice.channel).email)
        if name not in stored and wanted == effective_choice(kind, None):
            continue  # the default: no row (most people never change most kinds)
        row = stored.get(name) or NotificationPreference(user_id=user.id, kind=name)
        row.channel = wanted.channel
        # A digest only gathers e-mail: without e-mail there is nothing to gather.
        row.digest = wanted.digest
        db.session.add(row)
        saved += 1
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        quiet_start = quiet_end = None
    settings = settings_of(user.id) or NotificationSettings(user_id=user.id, unsubscribe_key=1)
    settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
    db.session.add(settings)
    db.session.flush()
    log.info("user %s saved message preferences for %s kind(s)", user.id, saved)
    return saved
