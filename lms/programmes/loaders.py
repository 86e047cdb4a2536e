"""THE loaders of programmes and cohorts for screens and the API: what a person may see, else 404."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus, Programme
from lms.users.models import Role, User


def visible_cohorts(user: User):
    """A select of the cohorts ``user`` may see (admins and liaisons all, instructors those they teach,
    trainees those they are enrolled in, nobody else any)."""
    stmt = select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id)
    if user.role in (Role.ADMIN, Role.LIAISON):
        return stmt
    if user.role is Role.INSTRUCTOR:
        return stmt.join(CohortInstructor).where(CohortInstructor.user_id == user.id)
    if user.role is Role.TRAINEE:
        # A withdrawn trainee has left the cohort; completed ones keep seeing where they trained.
        return stmt.join(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN
        )
    return stmt.where(False)


def get_cohort_or_404(cohort_id: int, user: User) -> Cohort:
    """The cohort if ``user`` may see it (see :func:`visible_cohorts`); 404 otherwise."""
    cohort = db.session.scalar(visible_cohorts(user).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    return cohort


def get_programme_or_404(programme_id: int, user: User) -> Programme:
    """The programme if ``user`` may see it (admins every one, others the active ones); 404 otherwise."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or (not programme.active and user.role is not Role.ADMIN):
        abort(404)
    return programme
