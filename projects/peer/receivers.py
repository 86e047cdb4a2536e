"""Answers of peer review to signals: a reviewer may see the files of the works they review and of the
examples they practise on; peer marks keep their rubric when the project changes its own."""

from __future__ import annotations

import logging

from sqlalchemy import select

from lms.extensions import db
from lms.users.models import Role
from projects.common import loaded

log = logging.getLogger(__name__)


def media_access(user, media=None):
    """Receiver of ``media.signals.media_access``: True for a file handed in with a work *user* reviews,
    or with an example of a project whose peer review is on and *user* works on."""
    if not loaded() or media is None or getattr(user, "role", None) is not Role.TRAINEE:
        return None
    from projects.coursework.models import Attempt, AttemptItem, Project
    from projects.coursework.submissions import can_work_on
    from projects.peer.models import PeerExample, PeerReview, PeerSettings

    handed = select(Attempt.submission_id).join(AttemptItem).where(AttemptItem.media_id == media.id)
    reviewing = db.session.scalar(
        select(PeerReview.id)
        .where(PeerReview.reviewer_id == user.id, PeerReview.submission_id.in_(handed))
        .limit(1)
    )
    if reviewing is not None:
        return True
    examples = db.session.scalars(
        select(PeerExample.project_id)
        .join(PeerSettings, PeerSettings.project_id == PeerExample.project_id)
        .where(PeerSettings.enabled.is_(True), PeerExample.submission_id.in_(handed))
    ).all()
    return any(can_work_on(user, db.session.get(Project, pid)) for pid in examples) or None


def gradebook_columns(projects, trainees=()):
    """Receiver of ``projects.coursework.signals.gradebook_columns``: the peer and assessing grades."""
    if not loaded():
        return []
    from projects.peer.grades import gradebook_columns as columns

    return columns(list(projects), list(trainees))


def rubric_versions_used(version_ids):
    """Receiver of ``projects.coursework.signals.rubric_versions_used``: True when a project's peer review
    marks with one of the versions (its reviews' marks are keyed by its criteria)."""
    if not loaded():
        return None
    from projects.peer.models import PeerSettings

    found = db.session.scalar(
        select(PeerSettings.project_id).where(PeerSettings.rubric_version_id.in_(list(version_ids))).limit(1)
    )
    return found is not None or None


def keep_peer_rubric(project, before=None, after=None):
    """Receiver of ``projects.coursework.signals.project_rubric_changing``: when peer review marks with the
    project's rubric and peer marks exist (keyed by its criteria), it keeps marking with the old version,
    which becomes the peer rubric (the setup page shows it). Without peer marks it follows the project."""
    if not loaded() or before is None:
        return None
    from projects.peer.models import PeerSettings
    from projects.peer.rubric import peer_marks_exist

    settings = db.session.get(PeerSettings, project.id)
    if settings is None or settings.rubric_version_id is not None or not peer_marks_exist(project):
        return None
    settings.rubric_version_id = before
    log.info("project %s: peer review keeps rubric version %s (project: %s)", project.id, before, after)
    return None
