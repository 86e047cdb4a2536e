"""The rubric peer review marks with: the peer settings' own (a version from the rubric library) or the
project's. Peer marks (reviews, examples' references, calibration attempts) are keyed by its criterion ids,
so it stays once one exists. :func:`projects.peer.services.rubric_of` gives it to the arithmetic."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Project
from projects.grading import rubrics
from projects.grading.models import RubricVersion
from projects.peer.models import PeerExample, PeerReview, PeerSettings


def check_rubric(project: Project, settings: PeerSettings, value: Any, by: User) -> int | None:
    """The peer rubric *value* asks for (a version id, or None: the project's), once allowed.

    A version of a rubric in *by*'s library (the library's own rule, as for the project's rubric); the one
    already chosen stays allowed whoever saves. No change of the rubric reviewers mark with once a review,
    an example or a calibration attempt exists for the project.
    """
    if isinstance(value, bool):
        raise ProjectError("peer_bad_setting", field="rubric_version_id")
    try:
        wanted = None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        raise ProjectError("peer_bad_setting", field="rubric_version_id") from None
    if wanted is not None and wanted != settings.rubric_version_id:
        version = db.session.get(RubricVersion, wanted)
        if version is None or version.rubric not in rubrics.library_for(by):
            raise ProjectError("peer_rubric_unknown")
    in_use = settings.rubric_version_id or project.rubric_version_id
    if (wanted or project.rubric_version_id) != in_use and peer_marks_exist(project):
        raise ProjectError("peer_rubric_locked")
    return wanted


def peer_marks_exist(project: Project) -> bool:
    """Whether marks keyed by the peer rubric's criteria exist: a review (even one only allocated: its timed
    comments name criteria), an example's reference or a calibration attempt (always on an example)."""
    reviews = select(PeerReview.id).where(PeerReview.project_id == project.id)
    examples = select(PeerExample.id).where(PeerExample.project_id == project.id)
    found = db.session.scalar(reviews.limit(1)) or db.session.scalar(examples.limit(1))
    return found is not None


def rubric_version_of(project: Project, settings: PeerSettings | None = None) -> RubricVersion:
    """The rubric version reviewers mark with: the peer settings' own, else the project's (for pages, which
    show its criteria; the arithmetic takes :func:`projects.peer.services.rubric_of`).

    :raises ProjectError: ``peer_needs_rubric`` when there is neither.
    """
    settings = settings if settings is not None else db.session.get(PeerSettings, project.id)
    # By id (the identity map answers): a relationship loaded before a change of the id would be stale.
    version_id = (settings.rubric_version_id if settings is not None else None) or project.rubric_version_id
    version = db.session.get(RubricVersion, version_id) if version_id is not None else None
    if version is None:
        raise ProjectError("peer_needs_rubric")
    return version


def own_rubric(project: Project, settings: PeerSettings | None = None) -> bool:
    """Whether peer review uses a rubric other than the project's."""
    settings = settings if settings is not None else db.session.get(PeerSettings, project.id)
    return (
        settings is not None
        and settings.rubric_version_id is not None
        and settings.rubric_version_id != project.rubric_version_id
    )
