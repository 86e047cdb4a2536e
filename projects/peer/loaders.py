"""THE loaders of peer review: a review or an example only for the person it is meant for, else 404."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.coursework.loaders import get_project_or_404
from projects.coursework.models import Project
from projects.coursework.submissions import can_work_on
from projects.peer import services as peer
from projects.peer.models import PeerExample, PeerReview, PeerTimedComment


def get_reviewer_project_or_404(project_id: int, user: User) -> Project:
    """A project whose peer review is on, for a trainee who works on it."""
    project = get_project_or_404(project_id, user)
    settings = peer.settings_for(project)
    if settings is None or not settings.enabled or not can_work_on(user, project):
        abort(404)
    return project


def get_review_or_404(project: Project, review_id: int, user: User) -> PeerReview:
    """A review of *project* given to *user* (anyone else's: 404)."""
    review = db.session.get(PeerReview, review_id)
    if review is None or review.project_id != project.id or review.reviewer_id != user.id:
        abort(404)
    return review


def get_example_or_404(project: Project, example_id: int) -> PeerExample:
    """A calibration example of *project* (its trainees may all practise on it)."""
    example = db.session.get(PeerExample, example_id)
    if example is None or example.project_id != project.id:
        abort(404)
    return example


def get_managed_review_or_404(project: Project, review_id: int) -> PeerReview:
    """A review of *project*, for its managers (the caller has loaded the project with the manager loader)."""
    review = db.session.get(PeerReview, review_id)
    if review is None or review.project_id != project.id:
        abort(404)
    return review


def get_timed_comment_or_404(review: PeerReview, comment_id: int) -> PeerTimedComment:
    """A timed comment of *review* (the caller has loaded the review for its reviewer)."""
    comment = db.session.get(PeerTimedComment, comment_id)
    if comment is None or comment.review_id != review.id:
        abort(404)
    return comment
