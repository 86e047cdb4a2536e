"""THE loaders of the NCS screens and API: a trainee's coverage only for those who may read it, else 404."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import Role, User
from projects.ncs import services as ncs


def get_coverage_trainee_or_404(user_id: int, viewer: User) -> User:
    """A trainee whose coverage *viewer* may read: themselves, admins and the instructors who teach them."""
    trainee = db.session.get(User, user_id)
    if trainee is None or trainee.role is not Role.TRAINEE or not ncs.can_see_coverage(viewer, trainee):
        abort(404)
    return trainee
