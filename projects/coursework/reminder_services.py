"""Deadline reminders and late notices: load in batches, claim, write the messages.

The rules (who is due for which reminder, under which key) are pure, in :mod:`projects.coursework.reminders`.
Here a run reads one page of enrolments at a time with a fixed number of statements (the page, team
memberships, hand-ins, extensions), claims the page's reminders in ``projects_sent_reminders`` (a unique key:
the first transaction to insert it owns it; a second worker's insert waits for that transaction, then inserts
nothing), and writes the notifications and the outbox rows of the claimed ones only, three statements more.
The task (:mod:`projects.coursework.tasks`) commits after each page, so a crash loses at most the page in
flight, whose claims roll back with its messages, and a rerun sends exactly what is missing.

Texts are written in the reader's language with dates in their time zone; they are rendered once per
(project, dates, zone, language), not once per person, since thousands of trainees share them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Integer, String, any_, bindparam, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from lms.db import UTCDateTime, utcnow
from lms.extensions import db
from lms.i18n import offered_languages, patterns
from lms.mail import Mail, absolute_link, queue_many
from lms.notifications.kinds import get_kind, register_kind
from lms.notifications.models import Notification, NotificationPreference
from lms.notifications.rules import Channel
from lms.programmes.models import Enrolment, EnrolmentStatus
from lms.users.models import User
from projects.coursework import reminders
from projects.coursework.models import (
    Extension,
    Project,
    ProjectStatus,
    SentReminder,
    Submission,
    TeamMember,
)
from projects.coursework.notices import COURSEWORK, _path

log = logging.getLogger(__name__)

register_kind(reminders.DUE, _l("Reminder before a due date"), group=COURSEWORK)
register_kind(reminders.LATE, _l("Reminder after a due date, while late work is accepted"), group=COURSEWORK)
register_kind(reminders.DIGEST, _l("Daily list of work waiting for grading (instructors)"), group=COURSEWORK)

#: Enrolments per page: with one or two reminders each, the writes stay one statement each (the outbox and
#: SQLAlchemy insert up to 1,000 rows per statement).
BATCH = 500


@dataclass
class Page:
    """What one page of a run did; ``after`` is where the next page starts (``None``: the run is done)."""

    after: tuple[int, int] | None
    due: int = 0
    written: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


# --- Loading -----------------------------------------------------------------------------------------------


def _near(due_col, cutoff_col, now: datetime):
    """A due date (with its cut-off) that a reminder or a late notice may concern at *now*."""
    lead = timedelta(hours=reminders.MAX_LEAD_HOURS)
    return (due_col <= now + lead) & or_(due_col >= now - reminders.LATE_REACH, cutoff_col >= now)


def _candidate(now: datetime):
    """The condition on projects a run at *now* looks at: published, with a date near, their own or one an
    extension gave."""
    extended = select(Extension.project_id).where(_near(Extension.due_at, Extension.cutoff_at, now))
    return (Project.status == ProjectStatus.PUBLISHED) & or_(
        _near(Project.due_at, Project.cutoff_at, now), Project.id.in_(extended)
    )


def candidate_projects(now: datetime) -> list:
    """The projects a run at *now* looks at (one statement)."""
    return list(
        db.session.execute(
            select(
                Project.id,
                Project.cohort_id,
                Project.title_ko,
                Project.title_en,
                Project.opens_at,
                Project.due_at,
                Project.cutoff_at,
                Project.team_mode,
                Project.reminder_hours,
            )
            .where(_candidate(now))
            .order_by(Project.id)
        )
    )


def _hours(project) -> tuple[int, ...]:
    try:
        return reminders.parse_hours(project.reminder_hours)
    except ValueError:  # only a hand-edited row gets here: the form and the service refuse it
        log.warning("project %s has unreadable reminder hours; none sent before its date", project.id)
        return ()


def _enrolment_page(now: datetime, after: tuple[int, int] | None, limit: int) -> list:
    # The cohorts as a subquery, not a list of ids: 2,000 of them would be sent and parsed with every page.
    cohorts = select(Project.cohort_id).where(_candidate(now))
    query = (
        select(Enrolment.user_id, Enrolment.cohort_id, User.email, User.locale, User.timezone)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.cohort_id.in_(cohorts),
            Enrolment.status == EnrolmentStatus.ACTIVE,
            User.active.is_(True),
        )
        # By cohort: the unique (cohort, user) index walks the page in order, and a page holds few cohorts.
        .order_by(Enrolment.cohort_id, Enrolment.user_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Enrolment.cohort_id, Enrolment.user_id) > tuple_(*after))
    return list(db.session.execute(query))


def _among(column, values) -> object:
    """``column IN values``; on PostgreSQL ``column = ANY(array)``: one parameter, not one per value, so the
    statement stays short and the same whatever the page holds."""
    values = sorted(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _standing(projects: dict[int, object], people: list) -> tuple[dict, set, dict]:
    """``(teams, handed_in, extensions)`` of *people* on *projects*: three statements at most."""
    project_ids, user_ids = list(projects), sorted({p.user_id for p in people})
    team_projects = [pid for pid, p in projects.items() if p.team_mode]
    teams: dict[tuple[int, int], int] = {}
    if team_projects:
        rows = db.session.execute(
            select(TeamMember.project_id, TeamMember.user_id, TeamMember.team_id).where(
                _among(TeamMember.project_id, team_projects), _among(TeamMember.user_id, user_ids)
            )
        )
        teams = {(r.project_id, r.user_id): r.team_id for r in rows}
    team_ids = sorted(set(teams.values()))
    whose = [_among(Submission.user_id, user_ids)] + (
        [_among(Submission.team_id, team_ids)] if team_ids else []
    )
    handed_in = {
        (r.project_id, r.user_id if r.user_id is not None else ("team", r.team_id))
        for r in db.session.execute(
            select(Submission.project_id, Submission.user_id, Submission.team_id).where(
                _among(Submission.project_id, project_ids), Submission.attempt_count > 0, or_(*whose)
            )
        )
    }
    named = [_among(Extension.user_id, user_ids)] + (
        [_among(Extension.team_id, team_ids)] if team_ids else []
    )
    extensions: dict[tuple, list[reminders.ExtensionRow]] = defaultdict(list)
    for r in db.session.execute(
        select(
            Extension.project_id,
            Extension.user_id,
            Extension.team_id,
            Extension.due_at,
            Extension.cutoff_at,
            Extension.created_at,
            Extension.id,
        ).where(_among(Extension.project_id, project_ids), or_(*named))
    ):
        whom = r.user_id if r.user_id is not None else ("team", r.team_id)
        extensions[(r.project_id, whom)].append(
            reminders.ExtensionRow(r.user_id, r.team_id, r.due_at, r.cutoff_at, r.created_at, r.id)
        )
    return teams, handed_in, extensions


def due_reminders(projects: list, people: list, now: datetime) -> list[reminders.Reminder]:
    """The reminders due at *now* for *people* (a page of enrolments) on the *projects* of their cohorts."""
    by_cohort: dict[int, list] = defaultdict(list)
    for project in projects:
        by_cohort[project.cohort_id].append(project)
    concerned = {p.id: p for person in people for p in by_cohort[person.cohort_id]}
    if not concerned:
        return []
    hours = {pid: _hours(project) for pid, project in concerned.items()}
    teams, handed_in, extensions = _standing(concerned, people)
    due = []
    for person in people:
        for project in by_cohort[person.cohort_id]:
            team = teams.get((project.id, person.user_id)) if project.team_mode else None
            whom = ("team", team) if team is not None else person.user_id
            own = extensions.get((project.id, person.user_id), [])
            shared = extensions.get((project.id, ("team", team)), []) if team is not None else []
            due_at, cutoff_at, extended = reminders.dates_after(
                project.due_at, project.cutoff_at, own + shared
            )
            work = reminders.Work(
                project.id,
                person.user_id,
                due_at,
                cutoff_at,
                project.opens_at,
                (project.id, whom) in handed_in,
                hours[project.id],
                extended,
            )
            reminder = reminders.reminder_for(work, now)
            if reminder is not None:
                due.append(reminder)
    return due


# --- Claiming and writing ----------------------------------------------------------------------------------


def _insert_many(
    model, rows: list[dict], types: dict, *, conflict: str | None = None, returning: str | None = None
):
    """Insert *rows* (the keys of *types*, plus ``created_at``) in one statement; the *returning* column of
    the rows inserted. With *conflict*, a row whose *conflict* column is taken is left out.

    PostgreSQL gets the values as one array per column (``unnest``): a short statement the driver and the
    server parse once, where a VALUES list of 500 rows is parsed again, at length, for every page.
    """
    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        arrays = func.unnest(*(bindparam(name, type_=ARRAY(kind)) for name, kind in types.items()))
        source = arrays.table_valued(*types).render_derived()
        # The table, not the mapped class: an ORM insert would read the arrays as one row's values.
        statement = postgresql.insert(model.__table__).from_select(
            [*types, "created_at"],
            select(*(source.c[name] for name in types), bindparam("now", now, type_=UTCDateTime)),
        )
        params = {name: [row[name] for row in rows] for name in types}
    else:
        statement, params = sqlite.insert(model), [{**row, "created_at": now} for row in rows]
    if conflict is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[conflict])
    if returning is None:
        db.session.execute(statement, params)
        return set()
    statement = statement.returning(model.__table__.c[returning])
    if isinstance(params, list) and len(params) == 1:  # one row as an executemany would be a batch of one
        return {value for value in [db.session.execute(statement, params[0]).scalar()] if value is not None}
    return set(db.session.scalars(statement, params))


#: The columns of a claim and of a notification as :func:`_insert_many` sends them.
_CLAIM = {"key": String, "kind": String, "user_id": Integer, "project_id": Integer}
_TEXTS = ("text_ko", "text_en", "locale", "text_local", "url")
_NOTE = {"user_id": Integer, **dict.fromkeys(_TEXTS, String), "shown": Boolean}


def claim(rows: list[dict]) -> set[str]:
    """Insert the claims of *rows* (``key``, ``kind``, ``user_id``, ``project_id``); the keys this transaction
    now owns (one statement). Keys go in sorted, so two workers lock them in the same order."""
    if not rows:
        return set()
    ordered = sorted(rows, key=lambda r: r["key"])
    return _insert_many(SentReminder, ordered, _CLAIM, conflict="key", returning="key")


def _words() -> dict[str, str]:
    """The reminders' sentences in the current language, their ``%(…)s`` still to fill."""
    return {
        "due_subject": _("Due %(when)s: %(project)s"),
        "due": _("“%(project)s” is due on %(when)s. You have not handed it in yet."),
        "late_subject": _("Late, but you can still hand in: %(project)s"),
        "late_until": _(
            "“%(project)s” was due on %(when)s. You can still hand it in until %(cutoff)s; "
            "it will count as late."
        ),
        "late": _("“%(project)s” was due on %(when)s. You can still hand it in; it will count as late."),
        "extended": _("(This is your extended date.)"),
        "open": _("Open it here:"),
    }


@dataclass(frozen=True)
class Text:
    subject: str
    sentence: str


class Writer:
    """Gathers one page's notifications and mail.

    A run writes thousands of messages from a few hundred distinct texts: each sentence is looked up once per
    language, each date formatted once per zone and language, each text made once (a locale switch and a
    date format per person would cost more than all the page's statements together).
    """

    def __init__(self) -> None:
        self.default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
        self.languages = ("ko", "en")  # every notice keeps these two; the reader's own is added
        self.offered = set(offered_languages())
        self.sentences: dict[str, dict[str, str]] = {}
        self.dates: dict[tuple, str] = {}
        self.texts: dict[tuple, Text] = {}
        self.links: dict[str, str] = {}
        self.notes: list[dict] = []
        self.mails: list[Mail] = []
        self.kinds: set[str] = set()

    def word(self, lang: str, name: str) -> str:
        if lang not in self.sentences:
            with force_locale(lang):
                self.sentences[lang] = _words()
        return self.sentences[lang][name]

    def when(self, value: datetime, lang: str, zone: str) -> str:
        """*value* as the reader writes a time (lms.i18n's style), in their zone."""
        if (value, lang, zone) not in self.dates:
            pattern = patterns(lang)["short"]
            self.dates[(value, lang, zone)] = format_datetime(
                value.astimezone(UTC), pattern, tzinfo=reminders.zone(zone), locale=lang
            )
        return self.dates[(value, lang, zone)]

    def add(self, person, kind: str, key: str, text_key: tuple, make, path: str) -> None:
        """One notification (Korean, English and the person's own language) and one mail in the person's
        language; *make(writer, lang)* makes the text when no one before had the same *text_key*."""
        lang = person.locale if person.locale in self.offered else self.default_locale
        for each in {*self.languages, lang}:
            if (text_key, each) not in self.texts:
                self.texts[(text_key, each)] = make(self, each)
        own = lang not in self.languages
        self.notes.append(
            {
                "user_id": person.user_id,
                "text_ko": self.texts[(text_key, "ko")].sentence,
                "text_en": self.texts[(text_key, "en")].sentence,
                "locale": lang if own else None,
                "text_local": self.texts[(text_key, lang)].sentence if own else "",
                "url": path,
                "kind": kind,  # for the preferences below; not a column
            }
        )
        self.kinds.add(kind)
        if not get_kind(kind).email:
            return
        if path not in self.links:
            self.links[path] = absolute_link(path)
        text = self.texts[(text_key, lang)]
        body = f"{text.sentence}\n\n{self.word(lang, 'open')}\n{self.links[path]}\n"
        self.mails.append(Mail(person.email, text.subject, body, person.user_id, kind, key))

    def flush(self) -> int:
        """Write the gathered rows: the in-app choices (one statement), the notifications (one), the mail
        (:func:`lms.mail.queue_many`, which applies the e-mail choices and quiet hours)."""
        if self.notes:
            hidden = _hidden_kinds({n["user_id"] for n in self.notes}, self.kinds)
            for note in self.notes:
                note["shown"] = (note["user_id"], note.pop("kind")) not in hidden
            _insert_many(Notification, self.notes, _NOTE)
        queue_many(self.mails)
        written = len(self.notes)
        self.notes, self.mails = [], []
        return written


def _hidden_kinds(user_ids: set[int], kinds: set[str]) -> set[tuple[int, str]]:
    """``(user, kind)`` pairs whose owner turned that kind off on the site (their notice is kept unshown, as
    :func:`lms.notifications.services.notify` keeps it)."""
    rows = db.session.execute(
        select(
            NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.channel
        ).where(
            _among(NotificationPreference.user_id, user_ids),
            _among(NotificationPreference.kind, kinds),
        )
    )
    return {(r.user_id, r.kind) for r in rows if not Channel(r.channel).in_app}


def project_title(project, lang: str) -> str:
    english = lang == "en"
    return (project.title_en if english else project.title_ko) or project.title_ko or project.title_en


def _reminder_text(reminder: reminders.Reminder, project, zone: str):
    def make(writer: Writer, lang: str) -> Text:
        title, when = project_title(project, lang), writer.when(reminder.due_at, lang, zone)
        values = {"project": title, "when": when}
        if reminder.kind == reminders.DUE:
            subject, sentence = writer.word(lang, "due_subject"), writer.word(lang, "due")
        elif reminder.cutoff_at is not None:
            subject, sentence = writer.word(lang, "late_subject"), writer.word(lang, "late_until")
            values["cutoff"] = writer.when(reminder.cutoff_at, lang, zone)
        else:
            subject, sentence = writer.word(lang, "late_subject"), writer.word(lang, "late")
        sentence %= values
        if reminder.extended:
            sentence += " " + writer.word(lang, "extended")
        return Text(subject % values, sentence)

    return make


def remind_page(projects: list, after: tuple[int, int] | None, now: datetime, limit: int = BATCH) -> Page:
    """Send the reminders due at *now* to one page of *limit* enrolments after *after*; flushed, not
    committed. A fixed number of statements whatever the page holds: the page, teams, hand-ins, extensions,
    claims, notifications, mail."""
    if not projects:
        return Page(None)
    people = _enrolment_page(now, after, limit)
    if not people:
        return Page(None)
    page = Page((people[-1].cohort_id, people[-1].user_id) if len(people) == limit else None)
    due = due_reminders(projects, people, now)
    page.due = len(due)
    claimed = claim(
        [{"key": r.key, "kind": r.kind, "user_id": r.user_id, "project_id": r.project_id} for r in due]
    )
    if not claimed:
        return page
    by_id = {p.id: p for p in projects}
    person_of = {p.user_id: p for p in people}
    paths = {pid: _path("projects.show", project_id=pid) for pid in {r.project_id for r in due}}
    writer = Writer()
    for reminder in due:
        if reminder.key not in claimed:
            continue
        person, project = person_of[reminder.user_id], by_id[reminder.project_id]
        zone = person.timezone or reminders.HOME_ZONE
        text_key = (reminder.step, project.id, reminder.due_at, reminder.cutoff_at, reminder.extended, zone)
        make = _reminder_text(reminder, project, zone)
        writer.add(person, reminder.kind, reminder.key, text_key, make, paths[project.id])
        page.kinds[reminder.kind] = page.kinds.get(reminder.kind, 0) + 1
    page.written = writer.flush()
    log.info("reminders: %s due on this page, %s sent (%s)", page.due, page.written, page.kinds or "none new")
    return page
