"""Answers of the credentials domain to signals: a recorded completion is issued as an OB 3.0 credential;
navigation; the personal-data download and anonymising."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded


def issue_on_completion(completion, **_extra) -> None:
    """Receiver of ``completion_recorded``: the record's Open Badges 3.0 credential, in the same
    transaction (a record refused later is undone with it)."""
    if not loaded():
        return
    from projects.credentials import services as credentials

    credentials.issue_for_completion(completion)


def navigation(user):
    if not (loaded() and user.is_authenticated):
        return None
    if user.role is Role.ADMIN:
        return [NavItem(_l("Credentials"), "credentials.admin", order=27)]
    return None
