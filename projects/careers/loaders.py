"""Loaders shared by the careers screens and API: an object by id, checked against who asks.

Each answers 404 both when the row is missing and when the user has no business with it, so that nobody
learns which ids exist.
"""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.careers.interests import can_view_interest
from projects.careers.models import Employer, Interest
from projects.careers.search import visible_to_employers
from projects.careers.services import is_broker, may_search


def get_employer_or_404(employer_id: int, user: User) -> Employer:
    """An employer's company record, for the liaisons and admins who review it."""
    employer = db.session.get(Employer, employer_id)
    if employer is None or not is_broker(user):
        abort(404)
    return employer


def get_interest_or_404(interest_id: int, user: User) -> Interest:
    """An interest the user has business with: its employer, its trainee once forwarded, brokers."""
    interest = db.session.get(Interest, interest_id)
    if interest is None or not can_view_interest(user, interest):
        abort(404)
    return interest


def get_searchable_trainee_or_404(user_id: int, user: User) -> User:
    """A trainee whose portfolio employers may read (opted in, active), for someone who may search."""
    trainee = db.session.get(User, user_id)
    if trainee is None or not may_search(user) or not visible_to_employers(trainee.id):
        abort(404)
    return trainee
