"""Calendar feeds: issue and revoke the secret address, collect a person's events, write them as iCalendar."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app
from sqlalchemy import delete, select

from lms import signals
from lms.auth.services import hash_token
from lms.calendar.models import CalendarFeed
from lms.db import utcnow
from lms.extensions import db
from lms.signals import CalendarEvent
from lms.users.models import User

log = logging.getLogger(__name__)

#: Recognisable in an address; the random part carries 256 bits.
TOKEN_PREFIX = "gbc_"
#: A feed holds what happened in the last two months and everything planned for the next year.
WINDOW_PAST = timedelta(days=60)
WINDOW_AHEAD = timedelta(days=400)
#: More events than this make calendar apps slow; the nearest ones are kept.
MAX_EVENTS = 500
PRODID = "-//Gongbang//Gongbang LMS//EN"


def issue_feed(user: User) -> str:
    """Make a new secret address for *user* (an earlier one stops working) and return its secret once."""
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=hash_token(raw)))
    db.session.flush()
    log.info("calendar feed issued for user %s", user.id)
    return raw


def revoke_feed(user: User) -> bool:
    """Stop *user*'s address; False when there was none."""
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    log.info("calendar feed revoked for user %s", user.id)
    return True


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_for_token(raw: str) -> User | None:
    """The active owner of the feed whose secret is *raw*, or None (unknown, replaced, revoked, disabled)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(raw)))
    if feed is None or not feed.user.active:
        return None
    now = utcnow()
    # Apps poll every few minutes; one write an hour is enough to tell a live address from a dead one.
    if feed.last_read_at is None or now - feed.last_read_at > timedelta(hours=1):
        feed.last_read_at = now
    return feed.user


def events_for(user: User, now: datetime | None = None) -> list[CalendarEvent]:
    """Every event the plugins give *user* from two months ago to a year ahead, nearest to *now* kept."""
    now = now or utcnow()
    events = signals.values_from_signal(
        signals.calendar_events.send(user, start=now - WINDOW_PAST, end=now + WINDOW_AHEAD)
    )
    if len(events) > MAX_EVENTS:
        events = sorted(events, key=lambda e: abs((e.start - now).total_seconds()))[:MAX_EVENTS]
    return sorted(events, key=lambda e: (e.start, e.uid))


def to_ics(
    events: Iterable[CalendarEvent],
    *,
    name: str,
    timezone: str,
    base_url: str,
    now: datetime | None = None,
) -> bytes:
    """*events* as an iCalendar file (RFC 5545) for a person in *timezone*, links under *base_url*.

    Times are written in UTC ("…Z"): a due date is one instant wherever the phone is, and every app reads
    UTC alike, while generated VTIMEZONE blocks are read differently by different apps (their RDATE lists,
    their end in 2038).  *timezone* names the calendar's zone for the apps that show one.
    """
    ZoneInfo(timezone)  # refuse an unknown zone here, not in the app that reads the file
    stamp = _aware(now or utcnow())
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "gongbang"
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    # Ask apps to fetch again within the hour: a changed due date then shows the same day.
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for item in events:
        event = icalendar.Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _aware(item.start).astimezone(UTC))
        event.add("dtend", _aware(item.end or item.start).astimezone(UTC))
        event.add("summary", item.summary)
        url = base_url.rstrip("/") + item.path if item.path else ""
        description = "\n\n".join(part for part in (item.description, url) if part)
        if description:
            event.add("description", description)
        if url:
            event.add("url", url)
        # A due date is a moment to remember, not a meeting: it must not mark the person busy; a class does.
        event.add("transp", "OPAQUE" if item.busy else "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def _aware(moment: datetime) -> datetime:
    """*moment* with its zone (a naive one is taken as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def feed_name(user: User) -> str:
    return f"{current_app.config.get('SITE_NAME', 'Gongbang')} — {user.name}"
