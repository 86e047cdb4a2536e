"""The NCS framework's answers to core signals: its links in the main navigation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    """Staff find units (and map them from a project's page); a trainee reads the units they showed."""
    if not (loaded() and user.is_authenticated):
        return None
    if user.role in (Role.ADMIN, Role.INSTRUCTOR):
        return [NavItem(_l("NCS units"), "projects.ncs_units", order=28)]
    if user.role is Role.TRAINEE:
        return [
            NavItem(_l("NCS units shown"), "projects.ncs_coverage", order=28, values={"user_id": user.id})
        ]
    return None
