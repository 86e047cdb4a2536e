"""Answers of the grading domain to the core's signals: navigation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if loaded() and user.is_authenticated and user.role in (Role.INSTRUCTOR, Role.ADMIN):
        return [NavItem(_l("Rubrics"), "projects.rubric_library", order=21)]
    return None


def attempt_submitted(attempt):
    """A new hand-in reopens a released grade (see :func:`projects.grading.services.reopen_for_attempt`)."""
    from projects.grading import services as marking

    if loaded():
        marking.reopen_for_attempt(attempt)
