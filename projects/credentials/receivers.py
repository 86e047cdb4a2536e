"""Answers of the credentials domain to signals: a recorded completion, a released grade and a verified
Korean result have their credentials issued (by a background job after the commit); navigation; the
personal-data download."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem, PersonalData
from lms.users.models import Role
from projects.common import loaded


def issue_on_completion(completion, **_extra) -> None:
    """Receiver of ``completion_recorded``: the record's Open Badges 3.0 credential is issued by a job once
    the transaction commits (a record refused later queues nothing)."""
    if not loaded() or completion.revoked_at is not None:
        return
    from projects.credentials import services as credentials

    credentials.request_issue(completion)


def award_on_release(assessment, **_extra) -> None:
    """Receiver of ``assessment_released``: the projects passed and competencies shown that its trainees now
    meet are awarded."""
    if not loaded():
        return
    from projects.credentials import achievements

    achievements.on_assessment_released(assessment)


def award_on_korean(trainee, scale=None, level=None, **_extra) -> None:
    """Receiver of ``korean_result_verified``: the Korean stages the result reaches are awarded."""
    if not loaded() or scale is None or level is None:
        return
    from projects.credentials import achievements

    achievements.on_korean_verified(trainee, scale, int(level))


def personal_data(user, **_kwargs):
    """The achievements awarded to the person (their credentials are in the projects part's
    ``open_badges``)."""
    if not loaded():
        return None
    from projects.credentials import achievements

    awards = achievements.personal_data(user)
    return [PersonalData("achievements", {"awards": awards})] if awards else None


def navigation(user):
    if not (loaded() and user.is_authenticated):
        return None
    if user.role is Role.ADMIN:
        return [NavItem(_l("Credentials"), "credentials.admin", order=27)]
    return None


def portfolio_credentials(user, **_kwargs) -> list:
    """The trainee's credentials anyone may check, for the QR codes of their portfolio's PDF: those neither
    revoked nor anonymised, each with the address its JSON is checked at (what "My credentials" shows)."""
    from projects.credentials import services as credentials
    from projects.portfolios.signals import Checkable

    return [
        Checkable(name=str(b.credential.get("name") or ""), url=b.credential["id"], issued_at=b.issued_at)
        for b in credentials.badges_of(user)
        if b.revoked_at is None and b.credential.get("id") and not b.credential.get("anonymised")
    ]
