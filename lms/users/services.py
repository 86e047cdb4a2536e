"""Account services: create and invite, disable, profile, trainee CSV import."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update

from lms import signals
from lms.auth.models import TokenPurpose
from lms.auth.services import end_all_sessions, issue_link_token, normalise_email
from lms.db import utcnow
from lms.extensions import db
from lms.mail import send_template
from lms.programmes.models import Cohort, Enrolment, Programme
from lms.programmes.services import enrol_trainee
from lms.users.importing import RowError, parse_trainee_csv
from lms.users.models import Role, User

log = logging.getLogger(__name__)


class DuplicateEmail(ValueError):
    """Another account already uses this e-mail address."""


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    created_by: User | None,
    locale: str | None = None,
    organisation: str | None = None,
    invite: bool = True,
) -> User:
    """Create an account and, unless ``invite`` is false, mail a set-password link.

    :raises DuplicateEmail: when the address is taken.
    """
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DuplicateEmail(email)
    user = User(email=email, name=name.strip(), role=role, locale=locale, organisation=organisation or None)
    db.session.add(user)
    db.session.flush()
    if invite:
        send_invitation(user)
    log.info("user %s (%s) created by %s", user.id, role.value, created_by.id if created_by else "cli")
    signals.user_created.send(user, created_by=created_by)
    return user


def send_invitation(user: User) -> None:
    """Mail a fresh invitation link; earlier links stop working."""
    token = issue_link_token(user, TokenPurpose.INVITE)
    send_template(user, "invite", token=token)


def disable_user(user: User, disabled_by: User | None) -> None:
    """Disable an account: its sessions end at once and its API tokens are revoked."""
    from lms.api.models import ApiToken

    user.active = False
    end_all_sessions(user)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
    log.info("user %s disabled by %s", user.id, disabled_by.id if disabled_by else "cli")
    signals.user_disabled.send(user, disabled_by=disabled_by)


def enable_user(user: User) -> None:
    user.active = True
    db.session.flush()


def update_profile(user: User, **fields) -> None:
    """Update the profile fields a user may change themselves."""
    allowed = {
        "name",
        "locale",
        "timezone",
        "nationality",
        "korean_test",
        "korean_level",
        "share_nationality",
        "share_korean",
        "organisation",
    }
    for key, value in fields.items():
        if key not in allowed:
            raise KeyError(key)
        setattr(user, key, value)
    db.session.flush()


def search_users(q: str = "", role: Role | None = None):
    """A select of users matching a name/e-mail fragment and a role, newest first."""
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc())
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        # A fragment anywhere: PostgreSQL serves these LIKEs from pg_trgm indexes (migration 9c0f1c2d3e4f).
        # "%" and "_" in what was typed are characters, not wildcards.
        fragment = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(User.name).contains(fragment, autoescape=True),
                User.email.contains(fragment, autoescape=True),
            )
        )
    return stmt


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    enrolled: list[User] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _names_cohort(cohort: Cohort, text: str) -> bool:
    """Whether a CSV cell names this cohort: its code (the stable identifier) or one of its names."""
    wanted = text.lower()
    return wanted in {n.lower() for n in (cohort.code, cohort.name, cohort.name_ko, cohort.name_en) if n}


def import_trainees(data: bytes, created_by: User | None) -> ImportResult:
    """Import trainees from CSV bytes: all rows or none.

    Every row is checked first (format, then programme, cohort and existing
    accounts); if any row is bad nothing is written and every problem is
    returned with its line number. Existing trainees are enrolled, not duplicated.
    """
    from lms.i18n import offered_languages

    parsed = parse_trainee_csv(data, offered_languages())
    result = ImportResult(errors=list(parsed.errors))
    programmes = {p.code.lower(): p for p in db.session.scalars(select(Programme))}
    for p in list(programmes.values()):
        programmes.setdefault(p.name_ko.lower(), p)
        programmes.setdefault(p.name_en.lower(), p)
    emails = [r.email for r in parsed.checked if r.email]
    existing = (
        {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    )
    plan = []
    # Every row read is checked here, also those with a format problem, and a row's checks do not stop at
    # its first problem: one upload lists every problem of every row.
    for row in parsed.checked:
        problems = []
        cohort = None
        programme = programmes.get(row.programme.lower()) if row.programme else None
        if row.programme and programme is None:
            problems.append(RowError(row.line, "unknown_programme", row.programme))
        elif programme is not None and row.cohort:
            cohort = next((c for c in programme.cohorts if _names_cohort(c, row.cohort)), None)
            if cohort is None:
                problems.append(RowError(row.line, "unknown_cohort", row.cohort))
        user = existing.get(row.email)
        if user is not None and user.role is not Role.TRAINEE:
            problems.append(RowError(row.line, "email_not_trainee", row.email))
        result.errors.extend(problems)
        if not problems and cohort is not None:
            plan.append((row, cohort, user))
    if result.errors:
        result.errors.sort(key=lambda e: e.line)  # stable: a line's problems keep their order
        return result
    # One transaction, committed by the caller: a failure part-way leaves nothing behind.
    for row, cohort, user in plan:
        if user is None:
            user = create_user(
                email=row.email, name=row.name, role=Role.TRAINEE, created_by=created_by, locale=row.language
            )
            result.created.append(user)
        else:
            result.enrolled.append(user)
        enrol_trainee(cohort, user)
    log.info("imported %d new and %d existing trainees", len(result.created), len(result.enrolled))
    return result


def trainee_cohorts(user: User) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Enrolment)
            .where(Enrolment.user_id == user.id)
            .order_by(Cohort.start_date.desc())
        )
    )
