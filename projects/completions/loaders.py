"""Loaders that authorise: the screens and the API find completion records and cohorts only through these.

A record another trainee holds is a 404, not a 403, so its existence is not given away.
"""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import Role, User
from projects.completions.models import Completion


def get_own_completion_or_404(completion_id: int, user: User) -> Completion:
    """A record of *user*'s own, or any record for an administrator."""
    completion = db.session.get(Completion, completion_id)
    if completion is None or not (completion.user_id == user.id or user.role is Role.ADMIN):
        abort(404)
    return completion


def get_completion_for_admin_or_404(completion_id: int) -> Completion:
    """Any record, for an administrator's screens and calls (the caller has checked the role)."""
    return db.session.get(Completion, completion_id) or abort(404)
