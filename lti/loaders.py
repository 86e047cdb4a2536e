"""THE loaders of the LTI screens: a launch, an LMS course and a registered platform, else 404."""

from __future__ import annotations

from flask import abort

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import Role, User
from lti.models import Context, Launch, Platform
from lti.services import contexts_for


def get_launch_or_404(launch_id: int, user: User) -> Launch:
    """The user's own, unexpired launch (another's id answers 404)."""
    launch = db.session.get(Launch, launch_id)
    if launch is None or launch.user_id != user.id or launch.expires_at <= utcnow():
        abort(404)
    return launch


def get_context_or_404(context_id: int, user: User) -> Context:
    """An LMS course the user may manage (see :func:`lti.services.contexts_for`)."""
    context = db.session.get(Context, context_id)
    if context is None or context not in contexts_for(user):
        abort(404)
    return context


def get_platform_or_404(platform_id: int, user: User) -> Platform:
    """A registered platform; only administrators manage platforms."""
    platform = db.session.get(Platform, platform_id)
    if platform is None or user.role is not Role.ADMIN:
        abort(404)
    return platform
