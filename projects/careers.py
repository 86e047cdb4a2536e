"""Employers and their brokered interest in trainees: approval, search, interests, placement figures."""
from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.users.models import Role, User
from projects.models import Employer, EmployerStatus


def employer_of(user: User) -> Employer | None:
    """The company record of an employer account (None for other roles or before sign-up finished)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.EMPLOYER:
        return None
    return db.session.scalar(select(Employer).where(Employer.user_id == user.id))


def is_approved_employer(user: User) -> bool:
    """Whether *user* is an employer the liaison approved and has not suspended."""
    employer = employer_of(user)
    return employer is not None and employer.status == EmployerStatus.APPROVED and user.active
