"""Answers of the completions domain to the core's signals: navigation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if loaded() and user.is_authenticated and user.role is Role.ADMIN:
        return [NavItem(_l("Completions"), "completions.completions_admin", order=26)]
    return None
