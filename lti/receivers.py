"""Answers of the LTI plugin to the core's and the projects plugin's signals.

Receivers are module-level functions connected once; each checks that the current app loaded this plugin.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role


def _loaded() -> bool:
    return "lti" in current_app.extensions


def navigation(user):
    if not (_loaded() and user.is_authenticated):
        return None
    if user.role is Role.ADMIN:
        return [
            NavItem(_l("LMS courses"), "lti.courses", order=60),
            NavItem(_l("LMS integration (LTI)"), "lti.setup", order=61),
        ]
    if user.role is Role.INSTRUCTOR:
        return [NavItem(_l("LMS courses"), "lti.courses", order=60)]
    return None


def assessment_released(assessment, **_kwargs):
    """Queue the released grade for every LMS gradebook column of its project."""
    from lti import grades

    if _loaded():
        grades.queue_grades(assessment)
