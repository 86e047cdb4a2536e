"""Programme, cohort, instructor-assignment and enrolment services."""

from __future__ import annotations

import logging
from datetime import date
from typing import cast

from sqlalchemy import func, select

from lms import signals
from lms.errors import DomainError
from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus, Programme
from lms.users.models import Role, User

log = logging.getLogger(__name__)


class ProgrammeError(DomainError):
    """A programme or cohort change that would break an invariant; ``code`` names it (sentences in
    :mod:`lms.programmes.messages`)."""


def create_programme(
    *, code: str, name_ko: str, name_en: str, description_ko: str = "", description_en: str = ""
) -> Programme:
    """Create a programme; codes are unique (case-insensitive)."""
    code = code.strip().upper()
    if db.session.scalar(select(Programme.id).where(func.upper(Programme.code) == code)):
        raise ProgrammeError("duplicate_code")
    programme = Programme(
        code=code,
        name_ko=name_ko.strip(),
        name_en=name_en.strip(),
        description_ko=description_ko,
        description_en=description_en,
    )
    db.session.add(programme)
    db.session.flush()
    log.info("programme %s created", programme.code)
    signals.programme_created.send(programme)
    return programme


def update_programme(programme: Programme, **fields) -> None:
    for key in ("name_ko", "name_en", "description_ko", "description_en", "active"):
        if key in fields:
            setattr(programme, key, fields[key])
    db.session.flush()


def _cohort_names(name: str | None, name_ko: str | None, name_en: str | None) -> tuple[str, str]:
    """``(name_ko, name_en)``, stripped; a single ``name`` (older callers) goes under its own language.

    :raises ProgrammeError: ``name_missing`` when neither language has a name.
    """
    ko, en = (name_ko or "").strip(), (name_en or "").strip()
    if name is not None and not (ko or en):
        from lms.programmes.models import split_by_language

        ko, en = split_by_language(name)
    if not (ko or en):
        raise ProgrammeError("name_missing")
    return ko, en


def create_cohort(
    programme: Programme,
    *,
    code: str,
    start_date: date,
    end_date: date,
    name: str | None = None,
    name_ko: str | None = None,
    name_en: str | None = None,
) -> Cohort:
    """Create a cohort of ``programme``; the code is unique within the programme and identifies the cohort
    in CSV imports. Give ``name_ko`` and/or ``name_en`` (``name`` alone is stored under its language)."""
    if end_date < start_date:
        raise ProgrammeError("dates_reversed")
    ko, en = _cohort_names(name, name_ko, name_en)
    code = code.strip()
    if db.session.scalar(
        select(Cohort.id).where(Cohort.programme_id == programme.id, func.lower(Cohort.code) == code.lower())
    ):
        raise ProgrammeError("duplicate_code")
    cohort = Cohort(
        programme=programme, code=code, name_ko=ko, name_en=en, start_date=start_date, end_date=end_date
    )
    db.session.add(cohort)
    db.session.flush()
    log.info("cohort %s/%s created", programme.code, cohort.code)
    signals.cohort_created.send(cohort)
    return cohort


def update_cohort(
    cohort: Cohort,
    *,
    start_date: date,
    end_date: date,
    name: str | None = None,
    name_ko: str | None = None,
    name_en: str | None = None,
) -> None:
    """Change a cohort's names and dates; its code (the CSV identifier) never changes."""
    if end_date < start_date:
        raise ProgrammeError("dates_reversed")
    cohort.name_ko, cohort.name_en = _cohort_names(name, name_ko, name_en)
    cohort.start_date, cohort.end_date = start_date, end_date
    db.session.flush()


def assign_instructor(cohort: Cohort, user: User) -> None:
    """Make ``user`` (an instructor) teach ``cohort``; assigning twice is harmless."""
    if user.role is not Role.INSTRUCTOR:
        raise ProgrammeError("not_instructor")
    if db.session.get(CohortInstructor, (cohort.id, user.id)) is None:
        db.session.add(CohortInstructor(cohort_id=cohort.id, user_id=user.id))
        db.session.flush()
        db.session.expire(cohort, ["instructors"])


def unassign_instructor(cohort: Cohort, user: User) -> None:
    link = db.session.get(CohortInstructor, (cohort.id, user.id))
    if link is not None:
        db.session.delete(link)
        db.session.flush()
        db.session.expire(cohort, ["instructors"])


def enrol_trainee(cohort: Cohort, user: User) -> Enrolment:
    """Enrol a trainee (idempotent: an existing enrolment is reactivated, not duplicated)."""
    if user.role is not Role.TRAINEE:
        raise ProgrammeError("not_trainee")
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user)
        db.session.add(enrolment)
        db.session.flush()
        signals.trainee_enrolled.send(enrolment)
    elif enrolment.status is EnrolmentStatus.WITHDRAWN:
        enrolment.status = EnrolmentStatus.ACTIVE
        db.session.flush()
    return enrolment


def withdraw_enrolment(enrolment: Enrolment) -> None:
    enrolment.status = EnrolmentStatus.WITHDRAWN
    db.session.flush()


def cohorts_taught_by(user: User) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .join(CohortInstructor)
            .where(CohortInstructor.user_id == user.id)
            .order_by(Cohort.start_date.desc())
        )
    )


def teaches_trainee(instructor: User, trainee: User) -> bool:
    """Whether ``instructor`` is assigned to a cohort ``trainee`` is enrolled in."""
    # count() always returns one row, so the scalar is never None.
    shared = cast(
        int,
        db.session.scalar(
            select(func.count())
            .select_from(Enrolment)
            .join(CohortInstructor, CohortInstructor.cohort_id == Enrolment.cohort_id)
            .where(CohortInstructor.user_id == instructor.id, Enrolment.user_id == trainee.id)
        ),
    )
    return shared > 0


def cohort_sizes(cohort_ids: list[int]) -> dict[int, int]:
    """Active enrolments per cohort, in one query."""
    if not cohort_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.cohort_id, func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status == EnrolmentStatus.ACTIVE)
        .group_by(Enrolment.cohort_id)
    )
    return {cid: n for cid, n in rows}
