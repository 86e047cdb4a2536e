"""Answers of the careers domain to the core's signals: navigation and the dashboard panel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem, Panel
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if not (loaded() and user.is_authenticated):
        return None
    return _career_navigation(user)


def _career_navigation(user) -> list[NavItem]:
    from projects.careers import services as careers

    if user.role is Role.EMPLOYER:
        if not careers.is_approved_employer(user):
            return [NavItem(_l("Application status"), "careers.status", order=30)]
        return [
            NavItem(_l("Find trainees and graduates"), "careers.search", order=30),
            NavItem(_l("Interests"), "careers.interests", order=31),
        ]
    if user.role in (Role.LIAISON, Role.ADMIN):
        return [
            NavItem(_l("Employers"), "careers.employers", order=30),
            NavItem(_l("Interest board"), "careers.board", order=31),
            NavItem(_l("Placement"), "careers.placement", order=32),
        ]
    if user.role is Role.TRAINEE:
        return [NavItem(_l("Employer interest"), "careers.interests", order=31)]
    return []


def careers_panel(user):
    """Liaisons see what waits for them; employers and trainees the interests that wait for an answer."""
    from projects.careers import services as careers
    from projects.careers.interests import interests_for
    from projects.careers.models import EmployerStatus, InterestStatus

    if not loaded() or user.role not in (Role.LIAISON, Role.EMPLOYER, Role.TRAINEE):
        return None
    if user.role is Role.EMPLOYER and not careers.is_approved_employer(user):
        return None
    interests = interests_for(user)
    waiting = {Role.LIAISON: InterestStatus.SUBMITTED, Role.TRAINEE: InterestStatus.FORWARDED}.get(user.role)
    context = {
        "interests": interests[:8],
        "waiting": [i for i in interests if i.status == waiting],
        "pending_employers": len(careers.employers_by_status(EmployerStatus.PENDING))
        if user.role is Role.LIAISON
        else 0,
    }
    return [Panel("projects/careers/_dashboard.html", context, order=15)]
