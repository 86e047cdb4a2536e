"""Answers of the evidence pack domain: navigation (trainees only: no one else has packs)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if not loaded() or not user.is_authenticated or user.role is not Role.TRAINEE:
        return None
    return [NavItem(_l("Evidence packs"), "evidence.index", order=17)]
