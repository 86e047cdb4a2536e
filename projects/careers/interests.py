"""Brokered interests: an approved employer's interest in a trainee, passed on (or not) by the liaison.

Every step is an :class:`~projects.careers.models.InterestEvent`; the trainee sees an interest only once the
liaison forwarded it, and each note is read only by those it is addressed to (:data:`NOTE_AUDIENCE`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.kinds import register_kind
from lms.notifications.services import notify
from lms.users.models import Role, User
from projects.careers.models import Employer, Interest, InterestEvent, InterestStatus
from projects.careers.search import visible_to_employers
from projects.careers.services import CareersError, brokers, employer_of, is_approved_employer, is_broker

log = logging.getLogger(__name__)

register_kind("interest", _l("Employer interest, step by step"), group=_l("Careers"))

#: Statuses a trainee never sees: the liaison has not passed the interest on (yet, or at all).
HIDDEN_FROM_TRAINEE = (InterestStatus.SUBMITTED, InterestStatus.DECLINED_BY_LIAISON)
S = InterestStatus
#: Board columns, in the order an interest moves through them.
BOARD_COLUMNS = (
    S.SUBMITTED,
    S.FORWARDED,
    S.ACCEPTED,
    S.INTERVIEW,
    S.HIRED,
    S.NOT_HIRED,
    S.DECLINED,
    S.DECLINED_BY_LIAISON,
    S.WITHDRAWN,
)
#: action -> (statuses it starts from, status it leads to, who may take it: "liaison", "trainee" or
#: "employer").
ACTIONS = {
    "forward": ({S.SUBMITTED}, S.FORWARDED, "liaison"),
    "screen_out": ({S.SUBMITTED}, S.DECLINED_BY_LIAISON, "liaison"),
    "accept": ({S.FORWARDED}, S.ACCEPTED, "trainee"),
    "decline": ({S.FORWARDED}, S.DECLINED, "trainee"),
    "interview": ({S.ACCEPTED}, S.INTERVIEW, "liaison"),
    "hired": ({S.ACCEPTED, S.INTERVIEW}, S.HIRED, "liaison"),
    "not_hired": ({S.ACCEPTED, S.INTERVIEW}, S.NOT_HIRED, "liaison"),
    "withdraw": ({S.SUBMITTED, S.FORWARDED}, S.WITHDRAWN, "employer"),
}
#: Actions whose note is required (the reason someone else will read).
NOTE_REQUIRED = {"screen_out"}
#: Who a step's note is addressed to, besides the liaison (who reads every note). The employer's message and
#: the trainee's answer go to both sides; the liaison's note on forwarding is for the trainee and the
#: screening reason for the employer; outcome notes are the liaison's own record.
NOTE_AUDIENCE = {
    S.SUBMITTED: {"employer", "trainee"},
    S.FORWARDED: {"trainee"},
    S.DECLINED_BY_LIAISON: {"employer"},
    S.ACCEPTED: {"employer", "trainee"},
    S.DECLINED: {"employer", "trainee"},
    S.WITHDRAWN: {"employer", "trainee"},
    S.INTERVIEW: set(),
    S.HIRED: set(),
    S.NOT_HIRED: set(),
}
OUTCOME_ACTIONS = ("interview", "hired", "not_hired")
#: The longest role title (the column's), employer's message and step note (the forms') an interest keeps.
ROLE_TITLE_MAX, MESSAGE_MAX, NOTE_MAX = 160, 4000, 2000


def _event(interest: Interest, status: InterestStatus, by: User | None, note: str = "") -> None:
    interest.events.append(InterestEvent(status=status, by_id=by.id if by else None, note=note, at=utcnow()))


def express_interest(employer_user: User, trainee: User, role_title: str, message: str = "") -> Interest:
    """An approved employer's interest in a trainee for a role; it waits for the liaison's review.

    :raises CareersError: ``not_allowed`` (not approved, or the trainee is not visible to employers),
        ``role_missing``, ``too_long``, ``duplicate`` (an open interest of this employer in this trainee
        exists).
    """
    if not is_approved_employer(employer_user) or not visible_to_employers(trainee.id):
        raise CareersError("not_allowed")
    role_title, message = (role_title or "").strip(), (message or "").strip()
    if not role_title:
        raise CareersError("role_missing")
    for text, limit in ((role_title, ROLE_TITLE_MAX), (message, MESSAGE_MAX)):
        if len(text) > limit:
            raise CareersError("too_long", limit=limit)
    # An approved employer (checked above) always has its company record.
    employer = cast(Employer, employer_of(employer_user))
    open_statuses = (S.SUBMITTED, S.FORWARDED, S.ACCEPTED, S.INTERVIEW)
    if db.session.scalar(
        exists()
        .where(
            Interest.employer_id == employer.id,
            Interest.trainee_id == trainee.id,
            Interest.status.in_(open_statuses),
        )
        .select()
    ):
        raise CareersError("duplicate")
    interest = Interest(
        employer_id=employer.id,
        trainee_id=trainee.id,
        role_title=role_title,
        message=message,
        status=S.SUBMITTED,
    )
    db.session.add(interest)
    _event(interest, S.SUBMITTED, employer_user, message)
    db.session.flush()
    url = url_for("careers.interest", interest_id=interest.id)
    for liaison in brokers(Role.LIAISON) or brokers(Role.ADMIN):
        notify(
            liaison,
            lambda: _(
                "%(company)s is interested in a trainee for “%(role)s”: please review it.",
                company=employer.company,
                role=interest.role_title,
            ),
            url,
            kind="interest",
        )
    log.info("interest %s: employer %s in trainee %s", interest.id, employer.id, trainee.id)
    return interest


def actor_kind(user: User, interest: Interest) -> str | None:
    """How *user* stands to *interest*: ``liaison``, ``trainee``, ``employer`` or None (no business)."""
    if is_broker(user):
        return "liaison"
    if user.role == Role.TRAINEE and interest.trainee_id == user.id and user.active:
        return "trainee" if interest_visible_to_trainee(interest) else None
    employer = employer_of(user)
    if employer is not None and employer.id == interest.employer_id and is_approved_employer(user):
        return "employer"
    return None


def interest_visible_to_trainee(interest: Interest) -> bool:
    """The trainee sees an interest once the liaison forwarded it (and keeps seeing it afterwards)."""
    if interest.status in HIDDEN_FROM_TRAINEE:
        return False
    return any(e.status == S.FORWARDED for e in interest.events)


@dataclass
class HistoryEntry:
    """A step of an interest as one reader may see it: the note only when it is addressed to them."""

    status: InterestStatus
    at: object
    by_id: int | None
    note: str


def note_for(kind: str | None, status: InterestStatus, note: str) -> str:
    """*note* (written with a step to *status*) if a reader of *kind* is meant to read it, else ``""``."""
    return note if kind == "liaison" or kind in NOTE_AUDIENCE.get(status, set()) else ""


def liaison_note_for(kind: str | None, interest: Interest) -> str:
    """The liaison's note (to the trainee on forwarding, or the screening reason) if meant for *kind*."""
    step = S.DECLINED_BY_LIAISON if interest.status is S.DECLINED_BY_LIAISON else S.FORWARDED
    return note_for(kind, step, interest.liaison_note or "")


def history_for(kind: str | None, interest: Interest) -> list[HistoryEntry]:
    """The steps of *interest* a reader of *kind* sees: a trainee sees none from before forwarding."""
    return [
        HistoryEntry(e.status, e.at, e.by_id, note_for(kind, e.status, e.note or ""))
        for e in interest.events
        if kind != "trainee" or e.status not in HIDDEN_FROM_TRAINEE
    ]


def can_view_interest(user: User, interest: Interest) -> bool:
    return actor_kind(user, interest) is not None


def actions_for(user: User, interest: Interest) -> list[str]:
    """The actions *user* may take on *interest* now."""
    kind = actor_kind(user, interest)
    return [
        name
        for name, (sources, _target, who) in ACTIONS.items()
        if who == kind and interest.status in sources
    ]


def move_interest(interest: Interest, action: str, by: User, note: str = "") -> Interest:
    """Take *action* on *interest* (forward, screen_out, accept, decline, interview, hired, not_hired,
    withdraw); records an event and notifies those concerned.

    :raises CareersError: ``not_allowed`` (not this user's action), ``bad_step`` (not from this status),
        ``reason_missing``, ``too_long``.
    """
    if action not in ACTIONS:
        raise CareersError("bad_step")
    sources, target, who = ACTIONS[action]
    if actor_kind(by, interest) != who:
        raise CareersError("not_allowed")
    if interest.status not in sources:
        raise CareersError("bad_step")
    note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise CareersError("reason_missing")
    if len(note) > NOTE_MAX:
        raise CareersError("too_long", limit=NOTE_MAX)
    interest.status = target
    if who == "liaison" and action in ("forward", "screen_out"):
        interest.liaison_note = note
    elif who == "trainee":
        interest.trainee_note = note
    _event(interest, target, by, note)
    db.session.flush()
    _notify_step(interest, action)
    log.info("interest %s: %s by user %s", interest.id, action, by.id)
    return interest


def _notify_step(interest: Interest, action: str) -> None:
    url = url_for("careers.interest", interest_id=interest.id)
    company, role = interest.employer.company, interest.role_title
    employer_user, trainee = interest.employer.user, interest.trainee
    liaisons = brokers(Role.LIAISON) or brokers(Role.ADMIN)
    if action == "forward":
        notify(
            trainee,
            lambda: _(
                "%(company)s is interested in you for “%(role)s”. Accept or decline.",
                company=company,
                role=role,
            ),
            url,
            kind="interest",
        )
        notify(
            employer_user,
            lambda: _("Your interest for “%(role)s” was passed on to the trainee.", role=role),
            url,
            kind="interest",
        )
    elif action == "screen_out":
        notify(
            employer_user,
            lambda: _(
                "The Chamber of Commerce did not pass on your interest for “%(role)s”: %(reason)s",
                role=role,
                reason=interest.liaison_note,
            ),
            url,
            kind="interest",
        )
    elif action in ("accept", "decline"):
        if action == "accept":
            notify(
                employer_user,
                lambda: _(
                    "A trainee accepted your interest for “%(role)s”: their contact "
                    "details are on the interest page.",
                    role=role,
                ),
                url,
                kind="interest",
            )
        else:
            notify(
                employer_user,
                lambda: _("The trainee declined your interest for “%(role)s”.", role=role),
                url,
                kind="interest",
            )
        for liaison in liaisons:
            notify(
                liaison,
                (
                    lambda: _(
                        "%(name)s accepted the interest of %(company)s.", name=trainee.name, company=company
                    )
                )
                if action == "accept"
                else (
                    lambda: _(
                        "%(name)s declined the interest of %(company)s.", name=trainee.name, company=company
                    )
                ),
                url,
                email=False,
                kind="interest",
            )
    elif action in OUTCOME_ACTIONS:
        labels = {
            "interview": lambda: _(
                "Interview arranged: %(company)s, “%(role)s”.", company=company, role=role
            ),
            "hired": lambda: _(
                "Hired: %(company)s, “%(role)s”. Congratulations!", company=company, role=role
            ),
            "not_hired": lambda: _(
                "Not hired this time: %(company)s, “%(role)s”.", company=company, role=role
            ),
        }
        for person in (trainee, employer_user):
            notify(person, labels[action], url, kind="interest")
    elif action == "withdraw":
        for liaison in liaisons:
            notify(
                liaison,
                lambda: _("%(company)s withdrew its interest for “%(role)s”.", company=company, role=role),
                url,
                email=False,
                kind="interest",
            )
        if interest_visible_to_trainee(interest):
            notify(
                trainee,
                lambda: _("%(company)s withdrew its interest for “%(role)s”.", company=company, role=role),
                url,
                kind="interest",
            )


def interests_for(user: User) -> list[Interest]:
    """The interests *user* may see: an employer's own, a trainee's forwarded ones, all for brokers."""
    query = select(Interest).order_by(Interest.updated_at.desc(), Interest.id.desc())
    if is_broker(user):
        return list(db.session.scalars(query))
    employer = employer_of(user)
    if employer is not None:
        return (
            list(db.session.scalars(query.where(Interest.employer_id == employer.id)))
            if is_approved_employer(user)
            else []
        )
    if user.role == Role.TRAINEE:
        return [
            i
            for i in db.session.scalars(query.where(Interest.trainee_id == user.id))
            if interest_visible_to_trainee(i)
        ]
    return []


def board() -> dict[InterestStatus, list[Interest]]:
    """The liaison's board: interests per status column, oldest update first (what waits longest on top)."""
    columns: dict[InterestStatus, list[Interest]] = {status: [] for status in BOARD_COLUMNS}
    for interest in db.session.scalars(select(Interest).order_by(Interest.updated_at, Interest.id)):
        columns[interest.status].append(interest)
    return columns
