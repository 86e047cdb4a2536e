"""Loaders that authorise: a trainee's credentials through their own completion records or as their own
(404 otherwise); the centre's achievements for administrators."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import Role, User
from projects.completions.loaders import get_own_completion_or_404
from projects.credentials import services as credentials
from projects.credentials.models import AchievementDefinition, OpenBadge


def get_own_badge_or_404(completion_id: int, user: User) -> OpenBadge:
    """The current credential of *user*'s own completion record (any record for an administrator)."""
    badge = credentials.current_badge(get_own_completion_or_404(completion_id, user))
    return badge or abort(404)


def get_own_open_badge_or_404(badge_id: int, user: User) -> OpenBadge:
    """A credential of *user*'s own that is not revoked (any one for an administrator)."""
    badge = db.session.get(OpenBadge, badge_id)
    if badge is None or badge.revoked_at is not None or badge.credential.get("anonymised"):
        abort(404)
    if badge.user_id != user.id and user.role is not Role.ADMIN:
        abort(404)
    return badge


def get_badge_for_admin_or_404(badge_id: int) -> OpenBadge:
    """Any credential (the screens that use it are for administrators only)."""
    return db.session.get(OpenBadge, badge_id) or abort(404)


def get_achievement_or_404(achievement_id: int) -> AchievementDefinition:
    """An achievement the centre defines (its screens are for administrators only)."""
    return db.session.get(AchievementDefinition, achievement_id) or abort(404)
