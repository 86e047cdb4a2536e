"""THE loaders of timetable and attendance objects for the screens: what a person may touch, else 404."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.attendance import services
from projects.attendance.models import Excuse, HolidayOverride, TrainingSession


def get_managed_session_or_404(session_id: int, user: User) -> TrainingSession:
    """A session of a cohort *user* teaches (or any, for an admin)."""
    session = db.session.get(TrainingSession, session_id)
    if session is None or not services.can_manage(user, session.cohort_id):
        abort(404)
    return session


def get_excuse_or_404(excuse_id: int, user: User, *, manage: bool = False) -> Excuse:
    """An excuse of the session's managers; with *manage* False, also its trainee's own."""
    excuse = db.session.get(Excuse, excuse_id)
    if excuse is None:
        abort(404)
    own = excuse.user_id == user.id and not manage
    if not (own or services.can_manage(user, excuse.session.cohort_id)):
        abort(404)
    return excuse


def get_holiday_or_404(holiday_id: int) -> HolidayOverride:
    """An administrator's holiday change (the caller has checked the role)."""
    return db.session.get(HolidayOverride, holiday_id) or abort(404)


def get_managed_cohort_or_404(cohort_id: int, user: User):
    """A cohort *user* teaches (or any, for an admin)."""
    from lms.programmes.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not services.can_manage(user, cohort.id):
        abort(404)
    return cohort
