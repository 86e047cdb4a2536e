"""THE loaders of grading for screens and the API: what a person may see, else 404.

Projects and submissions load through coursework's loaders, cohorts through the programmes' (one rule for
who sees a cohort); the API passes ``g.api_user`` as user.
"""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.programmes.loaders import get_cohort_or_404
from lms.users.models import User
from projects.coursework.loaders import (
    get_managed_project_or_404,
    get_own_submission_or_404,
    get_project_or_404,
    get_submission_or_404,
)
from projects.coursework.models import Submission
from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.models import Assessment, AssessmentKind, Rubric, RubricVersion

__all__ = [
    "get_assessment_or_404",
    "get_cohort_or_404",
    "get_managed_project_or_404",
    "get_own_submission_or_404",
    "get_project_or_404",
    "get_rubric_or_404",
    "get_rubric_version_or_404",
    "get_submission_or_404",
]


def get_rubric_or_404(rubric_id: int, user: User) -> Rubric:
    """A rubric of the user's library (shared ones and those of the programmes they teach)."""
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None or rubric not in rubrics.library_for(user):
        abort(404)
    return rubric


def get_rubric_version_or_404(rubric: Rubric, number: int | None) -> RubricVersion:
    """Version *number* of *rubric* (its latest when *number* is None)."""
    if number is None:
        return rubric.latest
    version = next((v for v in rubric.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


def get_assessment_or_404(submission: Submission, kind: AssessmentKind = AssessmentKind.GRADER) -> Assessment:
    """The submission's assessment of *kind* (callers have checked who may see the submission)."""
    assessment = marking.get_assessment(submission, kind)
    if assessment is None:
        abort(404)
    return assessment
