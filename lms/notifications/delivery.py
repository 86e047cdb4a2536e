"""What happens to a mail on its way out: each recipient's choices, the daily digest, unsubscribe links.

The mail outbox (:mod:`lms.mail`) hands every batch it is given to :func:`route_mail` (two queries for any
batch): e-mail turned off for its kind → dropped; daily digest chosen → kept for :func:`send_digests`; else
sent, after the person's quiet hours if it is quiet now, with an unsubscribe link in its footer. When sent,
:func:`unsubscribe_urls` gives the RFC 8058 ``List-Unsubscribe`` address (one query per batch). The link's
token is an HMAC (:mod:`lms.notifications.rules`): nothing is stored per mail, and raising the person's key
id revokes every link they hold.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.db import utcnow
from lms.extensions import db
from lms.notifications import rules, services
from lms.notifications.kinds import MessageKind, find_kind, get_kind
from lms.notifications.models import DigestEntry, NotificationPreference, NotificationSettings
from lms.notifications.rules import DIGEST, Channel
from lms.outbox import OutboxMail
from lms.users.models import User

log = logging.getLogger(__name__)


# --- What the outbox does with a message --------------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    """What to do with a batch of mail: outbox rows (each with its not-before time) and digest entries."""

    outbox: list[tuple[Any, datetime]]
    digest: list[Any]
    dropped: int


def _controllable(kind_name: str) -> MessageKind | None:
    """The kind when its recipient may turn it off (and so gets an unsubscribe link), else ``None``."""
    kind = find_kind(kind_name)
    return kind if kind is not None and not kind.required else None


def route_mail(mails: Sequence[Any], now: datetime) -> Routed:
    """Apply each recipient's choices to *mails* (:class:`lms.mail.Mail`): two queries for any batch.

    Mail without a recipient account, of a required kind or of a kind nobody registered goes out as it
    is, at once. Otherwise: e-mail turned off for its kind → dropped; digest chosen → kept for the digest;
    else it gets the unsubscribe footer and waits for the end of the person's quiet hours, if it is quiet.
    """
    people = {m.recipient_id for m in mails if m.recipient_id is not None and _controllable(m.kind)}
    if not people:
        return Routed([(m, now) for m in mails], [], 0)
    rows = db.session.execute(
        select(
            User.id,
            User.locale,
            User.timezone,
            NotificationSettings.quiet_start,
            NotificationSettings.quiet_end,
            NotificationSettings.unsubscribe_key,
        )
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(User.id.in_(people))
    )
    who = {row.id: row for row in rows}
    kinds = {m.kind for m in mails}
    stored = {
        (p.user_id, p.kind): p
        for p in db.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(people), NotificationPreference.kind.in_(kinds)
            )
        )
    }
    outbox: list[tuple[Any, datetime]] = []
    digest: list[Any] = []
    dropped = 0
    # Once per batch, not per mail: the URL map bound and each language's sentence (a reminder run queues
    # tens of thousands).
    footer = _Footers()
    for mail in mails:
        kind = _controllable(mail.kind) if mail.recipient_id is not None else None
        person = who.get(mail.recipient_id) if kind is not None else None
        if kind is None or person is None:
            outbox.append((mail, now))
            continue
        if kind.name != DIGEST:
            choice = services.effective_choice(kind, stored.get((person.id, kind.name)))
            if not choice.channel.email:
                dropped += 1
                continue
            if choice.digest:
                digest.append(mail)
                continue
        body = mail.body + footer(person.id, kind.name, person.unsubscribe_key or 1, person.locale)
        held = rules.quiet_until(now, person.timezone, person.quiet_start, person.quiet_end)
        outbox.append((dataclasses.replace(mail, body=body), held or now))
    if dropped:
        log.info("%s mail(s) not queued: their recipients turned that kind of e-mail off", dropped)
    return Routed(outbox, digest, dropped)


class _Footers:
    """The unsubscribe footer of each mail in one batch: the URL map bound once, each sentence made once."""

    def __init__(self) -> None:
        from lms.mail import mail_url_builder

        self._build = mail_url_builder()
        self._secret = current_app.config["SECRET_KEY"]
        self._default = current_app.config["BABEL_DEFAULT_LOCALE"]
        self._sentences: dict[str, str] = {}

    def __call__(self, user_id: int, kind: str, key_id: int, locale: str | None) -> str:
        token = rules.make_token(self._secret, user_id, kind, key_id)
        link = self._build("notifications.unsubscribe", {"token": token})
        lang = locale or self._default
        if lang not in self._sentences:
            with force_locale(lang):
                self._sentences[lang] = _("To stop these e-mails, open this link:")
        return "\n\n-- \n" + self._sentences[lang] + "\n" + link + "\n"


def keep_for_digest(mails: Iterable[Any]) -> int:
    """Store *mails* for their recipients' daily digest (one statement); how many were new.

    An idempotency key already stored adds nothing, as in the outbox.
    """
    values = [
        {
            "user_id": m.recipient_id,
            "kind": m.kind,
            "subject": m.subject[:998],
            "body": m.body,
            "idempotency_key": m.idempotency_key,
            "created_at": utcnow(),
            "digest_key": None,
        }
        for m in mails
    ]
    if not values:
        return 0
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(DigestEntry)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(DigestEntry.id)
    )
    added = len(list(db.session.scalars(statement, values)))
    log.info("%s mail(s) kept for the daily digest", added)
    return added


# --- Unsubscribe links --------------------------------------------------------------------------------------


def unsubscribe_url(user_id: int, kind: str, key_id: int) -> str:
    """The absolute one-click unsubscribe address of *user_id* for *kind* (its token is an HMAC)."""
    from lms.mail import mail_url

    token = rules.make_token(current_app.config["SECRET_KEY"], user_id, kind, key_id)
    return mail_url("notifications.unsubscribe", token=token)


def unsubscribe_urls(rows: Sequence[Any]) -> dict[int, str]:
    """Outbox row id → unsubscribe address, for claimed rows whose kind may be turned off: one query."""
    wanted = [r for r in rows if getattr(r, "recipient_id", None) is not None and _controllable(r.kind)]
    if not wanted:
        return {}
    keys = dict(
        db.session.execute(
            select(NotificationSettings.user_id, NotificationSettings.unsubscribe_key).where(
                NotificationSettings.user_id.in_({r.recipient_id for r in wanted})
            )
        ).all()
    )
    from lms.mail import mail_url_builder

    build, secret = mail_url_builder(), current_app.config["SECRET_KEY"]
    return {
        r.id: build(
            "notifications.unsubscribe",
            {"token": rules.make_token(secret, r.recipient_id, r.kind, keys.get(r.recipient_id) or 1)},
        )
        for r in wanted
    }


def read_unsubscribe(token: str) -> tuple[User, MessageKind] | None:
    """The person and kind a live unsubscribe *token* names, or ``None`` (forged, revoked, unknown)."""
    claim = rules.read_token(current_app.config["SECRET_KEY"], token)
    if claim is None:
        return None
    kind = _controllable(claim.kind)
    user = db.session.get(User, claim.user_id)
    if kind is None or user is None:
        return None
    settings = services.settings_of(user.id)
    if claim.key_id != (settings.unsubscribe_key if settings else 1):
        return None
    return user, kind


def unsubscribe(user: User, kind_name: str) -> None:
    """Turn e-mail off for *user* and the kind (the site's notices stay); the digest: every kind it gathers.

    Safe to repeat (a mail program may post twice). Flushes.
    """
    if kind_name == DIGEST:
        rows = list(
            db.session.scalars(
                select(NotificationPreference).where(
                    NotificationPreference.user_id == user.id, NotificationPreference.digest
                )
            )
        )
    else:
        kind = get_kind(kind_name)
        row = db.session.scalar(
            select(NotificationPreference).where(
                NotificationPreference.user_id == user.id, NotificationPreference.kind == kind_name
            )
        )
        if row is None:
            default = services.effective_choice(kind, None)
            row = NotificationPreference(user_id=user.id, kind=kind_name, channel=default.channel)
            db.session.add(row)
        rows = [row]
    for row in rows:
        row.channel = Channel(row.channel).without_email()
        row.digest = False
    db.session.flush()
    log.info("user %s unsubscribed from %s e-mail by link", user.id, kind_name)


def revoke_unsubscribe_links(user: User) -> None:
    """Make every unsubscribe link sent to *user* stop working (new mail carries new ones). Flushes."""
    settings = services.settings_of(user.id) or NotificationSettings(user_id=user.id, unsubscribe_key=1)
    settings.unsubscribe_key = (settings.unsubscribe_key or 1) + 1
    db.session.add(settings)
    db.session.flush()
    log.info("unsubscribe links of user %s revoked", user.id)


# --- Daily digest ------------------------------------------------------------------------------------------


def send_digests(now: datetime | None = None) -> int:
    """Queue one digest mail per person whose local digest hour has come and who has entries waiting.

    At most one a day per person (the outbox idempotency key ``digest:user 9:2026-12-07``): a rerun, a
    second worker or a retried task adds nothing. Entries are claimed by a conditional ``UPDATE`` before the
    mail is written, so two runs never put one entry in two digests. Flushes; the task commits.
    """
    from lms.mail import send_template

    now = now or utcnow()
    waiting = select(DigestEntry.user_id).where(DigestEntry.digest_key.is_(None)).distinct()
    queued = 0
    for user in db.session.scalars(select(User).where(User.id.in_(waiting)).order_by(User.id)):
        day = rules.digest_day(now, user.timezone)
        if day is None or not user.active:
            continue
        key = rules.digest_key(user.id, day)
        if db.session.scalar(select(OutboxMail.id).where(OutboxMail.idempotency_key == key)) is not None:
            continue  # today's digest went; what came since waits for tomorrow's
        claimed = db.session.execute(
            update(DigestEntry)
            .where(DigestEntry.user_id == user.id, DigestEntry.digest_key.is_(None))
            .values(digest_key=key)
            .returning(DigestEntry.id, DigestEntry.kind, DigestEntry.subject, DigestEntry.body)
            .execution_options(synchronize_session=False)
        ).all()
        if not claimed:
            continue  # another run took them
        entries = sorted(claimed, key=lambda e: e.id)
        if send_template(user, "digest", kind=DIGEST, idempotency_key=key, entries=entries) is None:
            db.session.execute(
                update(DigestEntry)
                .where(DigestEntry.id.in_([e.id for e in entries]))
                .values(digest_key=None)
                .execution_options(synchronize_session=False)
            )
            continue
        queued += 1
    log.info("%s daily digest(s) queued", queued)
    return queued


# --- Throttling guesses at unsubscribe links ----------------------------------------------------------------

#: Bad unsubscribe links one address may try in an hour: a person mistyping never reaches it, a guesser
#: gets nowhere (the token has 256 bits anyway; this keeps the page from being an oracle for load).
UNSUBSCRIBE_FAILURES_PER_HOUR = 30


def unsubscribe_throttled(ip: str) -> bool:
    """Whether *ip* tried too many bad unsubscribe links in the last hour."""
    from lms.auth.models import LoginFailure

    since = utcnow() - timedelta(hours=1)
    tried = db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.key == f"unsubscribe:{ip}", LoginFailure.created_at >= since
        )
    )
    return (tried or 0) >= UNSUBSCRIBE_FAILURES_PER_HOUR


def record_bad_unsubscribe(ip: str) -> None:
    """Count a bad unsubscribe link from *ip* (the link itself is neither stored nor logged). Flushes."""
    from lms.auth.models import LoginFailure

    db.session.add(LoginFailure(key=f"unsubscribe:{ip}", created_at=utcnow()))
    db.session.flush()
    log.info("a bad unsubscribe link from %s", ip)
