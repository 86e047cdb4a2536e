"""Careers' answers to what portfolios ask about employers (``projects.portfolios.signals``).

Portfolios sit below careers and cannot import it; these receivers tell them who is an approved employer,
which employer a trainee accepted contact with, which company an account stands for, how a trainee's name
reads to employers (the same rule as the careers search) and where an employer expresses interest.
"""

from __future__ import annotations

from flask import url_for

from projects.careers import services as careers
from projects.common import loaded


def approved_employer(user, **_kwargs) -> bool | None:
    return True if loaded() and careers.is_approved_employer(user) else None


def employer_contact(user, trainee_id: int | None = None, **_kwargs) -> bool | None:
    if not loaded() or trainee_id is None:
        return None
    return True if careers.has_contact(careers.employer_of(user), trainee_id) else None


def employer_company(user, **_kwargs) -> str | None:
    employer = careers.employer_of(user) if loaded() else None
    return employer.company if employer is not None else None


def public_name(user, **_kwargs) -> str | None:
    return careers.public_name(user.name) if loaded() else None


def interest_url(user, trainee_id: int | None = None, **_kwargs) -> str | None:
    """The form where an approved employer expresses interest in the trainee."""
    if not loaded() or trainee_id is None or not careers.is_approved_employer(user):
        return None
    return url_for("careers.express_interest", user_id=trainee_id)


def connect() -> None:
    """Answer the portfolios' questions (connected once per process; blinker ignores a second connect)."""
    from projects.portfolios import signals

    signals.employer_approval.connect(approved_employer)
    signals.employer_contact.connect(employer_contact)
    signals.employer_company.connect(employer_company)
    signals.public_name_asked.connect(public_name)
    signals.interest_url_asked.connect(interest_url)
