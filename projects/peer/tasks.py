"""Background jobs of peer review: telling the reviewers of a round that they have works to review."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.jobs import commit
from lms.notifications.services import notify
from lms.users.models import User
from projects.coursework.models import Project
from projects.peer.models import PeerReview

log = logging.getLogger(__name__)


@shared_task(name="projects.announce_peer_round")
def announce_round(project_id: int, round_: int) -> int:
    """Tell each reviewer of allocation round *round_* of the project that they have works to review.

    Safe to run twice: each notice points at the round's own address, and ``notify(once=True)`` sends one per
    address and person. The notice names the project, never whose work it is.
    """
    project = db.session.get(Project, project_id)
    if project is None:
        return 0
    reviewer_ids = db.session.scalars(
        select(PeerReview.reviewer_id)
        .where(PeerReview.project_id == project_id, PeerReview.round == round_)
        .distinct()
    ).all()
    with current_app.test_request_context("/"):
        url = url_for("projects.peer_reviews", project_id=project_id, round=round_)
        for reviewer in db.session.scalars(
            select(User).where(User.id.in_(reviewer_ids), User.active.is_(True))
        ):
            notify(
                reviewer,
                lambda: _("You have works to review for “%(project)s”.", project=project.title),
                url,
                once=True,
                kind="peer_review",
            )
    commit()
    log.info("peer round %s of project %s announced to %s reviewer(s)", round_, project_id, len(reviewer_ids))
    return len(reviewer_ids)
