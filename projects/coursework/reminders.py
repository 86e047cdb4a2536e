"""Which deadline reminders are due, for whom, and under which key: pure rules, no Flask, no database.

Three kinds of message come out of these rules:

* ``reminder_due``: a project is due within one of its reminder leads (``Project.reminder_hours``, e.g. 48 and
  6 hours) and the trainee (or their team) has not handed it in;
* ``reminder_late``: the due date has passed, the cut-off has not, and nothing was handed in;
* ``grading_digest``: once a day, to an instructor with work waiting for a grade.

Every reminder has an idempotency key naming the step, the project, the person and the due date in force
(``reminder:due48h:project 7:user 9:2026-12-09T09:00Z``): a rerun, a second worker or a restart after a crash
finds the key taken and sends nothing, while a moved due date (or an extension) gives a new key and so a new
reminder that follows the new date. :mod:`projects.coursework.reminder_services` loads the rows and writes the
messages; tests call these functions with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: The leads a new project gets: two days before, and the morning of a late-afternoon deadline.
DEFAULT_HOURS = (48, 6)
#: The earliest reminder may come two weeks before the due date; more is noise, not a reminder.
MAX_LEAD_HOURS = 14 * 24
#: At most this many leads per project (each one is a message to every trainee).
MAX_LEADS = 4
#: Without a cut-off late work is accepted for ever; the "still open" notice is only sent this soon after
#: the due date, so that switching reminders on never wakes up projects from last year.
LATE_REACH = timedelta(days=7)
#: The local hour from which an instructor's daily digest goes out (before the day's classes).
DIGEST_HOUR = 8
#: The zone of people whose own zone is unknown or broken: the centre's.
HOME_ZONE = "Asia/Seoul"

DUE, LATE, DIGEST = "reminder_due", "reminder_late", "grading_digest"


def parse_hours(text: str | None) -> tuple[int, ...]:
    """The leads written in *text* (``"48, 6"``), longest first; ``()`` for an empty text (no reminders).

    :raises ValueError: a lead that is not a whole number of hours from 1 to :data:`MAX_LEAD_HOURS`, or more
        than :data:`MAX_LEADS` of them.
    """
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",")]
    hours = set()
    for part in filter(None, parts):
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= MAX_LEAD_HOURS:
            raise ValueError(f"not a lead in hours: {part!r}")
        hours.add(int(part))
    if len(hours) > MAX_LEADS:
        raise ValueError(f"more than {MAX_LEADS} leads")
    return tuple(sorted(hours, reverse=True))


def format_hours(hours: Iterable[int]) -> str:
    """The stored form of *hours*: ``"48,6"``."""
    return ",".join(str(h) for h in sorted(set(hours), reverse=True))


@dataclass(frozen=True)
class ExtensionRow:
    """One extension as loaded: for a trainee (``user_id``) or a team (``team_id``)."""

    user_id: int | None
    team_id: int | None
    due_at: datetime
    cutoff_at: datetime | None
    created_at: datetime
    id: int


def dates_after(
    due_at: datetime, cutoff_at: datetime | None, extensions: Iterable[ExtensionRow]
) -> tuple[datetime, datetime | None, bool]:
    """``(due, cut-off, extended)`` after the newest of *extensions* (those of the person and their team),
    the rule of :func:`projects.coursework.services.dates_for`."""
    newest = max(extensions, key=lambda e: (e.created_at, e.id), default=None)
    if newest is None:
        return due_at, cutoff_at, False
    return newest.due_at, newest.cutoff_at, True


@dataclass(frozen=True)
class Work:
    """Where one trainee stands on one project (dates after their or their team's extension)."""

    project_id: int
    user_id: int
    due_at: datetime
    cutoff_at: datetime | None
    opens_at: datetime | None
    handed_in: bool
    hours: tuple[int, ...]
    extended: bool = False


@dataclass(frozen=True)
class Reminder:
    """A reminder to send: its kind (a registered message kind), its step and its idempotency key."""

    kind: str
    step: str
    project_id: int
    user_id: int
    due_at: datetime
    cutoff_at: datetime | None
    extended: bool
    key: str


def iso_minute(when: datetime) -> str:
    """A UTC time as written in keys: ``2026-12-09T09:00Z``."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%MZ")


def reminder_key(step: str, project_id: int, user_id: int, due_at: datetime) -> str:
    return f"reminder:{step}:project {project_id}:user {user_id}:{iso_minute(due_at)}"


def reminder_for(work: Work, now: datetime) -> Reminder | None:
    """The reminder *work* calls for at *now*, or ``None``.

    Before the due date: the step of the shortest lead whose time has come (a run that starts 5 hours before
    the date sends the 6-hour reminder, never the 48-hour one as well). After it, until the cut-off (or
    :data:`LATE_REACH` without one): the late notice. Nothing for work handed in, a project not open yet, or
    a project whose cut-off is its due date (late work is refused there).
    """
    if work.handed_in or (work.opens_at is not None and now < work.opens_at):
        return None
    if now < work.due_at:
        started = [h for h in work.hours if now >= work.due_at - timedelta(hours=h)]
        if not started:
            return None
        step, kind = f"due{min(started)}h", DUE
    else:
        closes = work.cutoff_at if work.cutoff_at is not None else work.due_at + LATE_REACH
        if closes <= work.due_at or now >= closes:
            return None
        step, kind = "late", LATE
    key = reminder_key(step, work.project_id, work.user_id, work.due_at)
    return Reminder(
        kind, step, work.project_id, work.user_id, work.due_at, work.cutoff_at, work.extended, key
    )


def zone(name: str | None) -> ZoneInfo:
    """The zone called *name*, or the centre's when it is missing or unknown (a typo must not stop a run)."""
    try:
        return ZoneInfo(name or HOME_ZONE)
    except (ValueError, KeyError, OSError):
        return ZoneInfo(HOME_ZONE)


def local_day(now: datetime, zone_name: str | None) -> date:
    """The calendar day it is at *now* (UTC, naive or aware) in the zone called *zone_name*."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(zone(zone_name)).date()


def digest_day(now: datetime, zone_name: str | None, hour: int = DIGEST_HOUR) -> date | None:
    """The day whose digest is due at *now* for someone in *zone_name*: today from *hour* on, else ``None``
    (a digest at 3 a.m. is read with the morning's, so it waits for the morning)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    local = aware.astimezone(zone(zone_name))
    return local.date() if local.hour >= hour else None


def digest_key(user_id: int, day: date) -> str:
    return f"reminder:digest:user {user_id}:{day.isoformat()}"
