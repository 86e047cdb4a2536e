"""Loaders that authorise: a trainee's credentials through their own completion records (404 otherwise)."""

from __future__ import annotations

from flask import abort

from lms.users.models import User
from projects.completions.loaders import get_own_completion_or_404
from projects.credentials import services as credentials
from projects.credentials.models import OpenBadge


def get_own_badge_or_404(completion_id: int, user: User) -> OpenBadge:
    """The current credential of *user*'s own completion record (any record for an administrator)."""
    badge = credentials.current_badge(get_own_completion_or_404(completion_id, user))
    return badge or abort(404)
