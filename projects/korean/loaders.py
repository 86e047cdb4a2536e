"""THE loader of Korean evidence for the screens and the API: what a person may see, else 404."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.korean import services
from projects.korean.models import KoreanEvidence


def get_evidence_or_404(evidence_id: int, user: User, *, review: bool = False) -> KoreanEvidence:
    """A record of *user*'s own (unless *review*), or of a trainee *user* may check (instructors of their
    cohorts, admins)."""
    evidence = db.session.get(KoreanEvidence, evidence_id)
    if evidence is None:
        abort(404)
    own = evidence.user_id == user.id and not review
    if not (own or services.may_review(user, evidence.user_id)):
        abort(404)
    return evidence


def get_reviewed_trainee_or_404(user_id: int, user: User) -> User:
    """A trainee whose records *user* may read: themselves, or one they may check."""
    trainee = db.session.get(User, user_id)
    if trainee is None or not (trainee.id == user.id or services.may_review(user, trainee.id)):
        abort(404)
    return trainee
