"""Answers of the portfolios domain to the core's signals: navigation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if loaded() and user.is_authenticated and user.role is Role.TRAINEE:
        return [NavItem(_l("Portfolio"), "portfolios.edit", order=25)]
    return None
