"""Calibration: examples with the instructor's reference marks, trainees' attempts at them, and whether a
trainee agrees well enough (or tried often enough) to review their peers."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import cast

from sqlalchemy import func, select

from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Project, Submission
from projects.peer import arithmetic
from projects.peer.models import PeerCalibration, PeerExample
from projects.peer.rubric import own_rubric
from projects.peer.services import points_of, rubric_of, settings_for, spans, weights

log = logging.getLogger(__name__)


def add_example(project: Project, submission: Submission, reference: dict, by: User) -> PeerExample:
    """Make *submission* a calibration example of *project* with the instructor's *reference* marks."""
    points_of(rubric_of(project), reference)
    example = db.session.scalar(
        select(PeerExample).where(
            PeerExample.project_id == project.id, PeerExample.submission_id == submission.id
        )
    )
    if example is None:
        example = PeerExample(project_id=project.id, submission_id=submission.id, created_by_id=by.id)
        db.session.add(example)
    example.reference = reference
    db.session.flush()
    log.info("peer example %s (submission %s) set by user %s", example.id, submission.id, by.id)
    return example


def examples_of(project: Project) -> list[PeerExample]:
    return list(db.session.scalars(select(PeerExample).where(PeerExample.project_id == project.id)))


def calibrate(example: PeerExample, reviewer: User, marks: dict) -> PeerCalibration:
    """Record *reviewer*'s attempt at *example* and how far it agrees with the reference (0–100)."""
    project = db.session.get(Project, example.project_id)
    settings = settings_for(cast(Project, project))
    rubric = rubric_of(cast(Project, project), settings)
    mine = points_of(rubric, marks)
    reference = points_of(rubric, example.reference)
    strictness = settings.strictness if settings else arithmetic.Strictness.FAIR
    agreement = arithmetic.assessing_grade(
        arithmetic.deviation(mine, reference, spans(rubric), weights(rubric)), strictness
    )
    number = (
        db.session.scalar(
            select(func.max(PeerCalibration.attempt)).where(
                PeerCalibration.example_id == example.id, PeerCalibration.reviewer_id == reviewer.id
            )
        )
        or 0
    ) + 1
    attempt = PeerCalibration(
        example_id=example.id,
        reviewer_id=reviewer.id,
        attempt=number,
        marks=marks,
        agreement=agreement.quantize(Decimal("0.01")),
    )
    db.session.add(attempt)
    db.session.flush()
    log.info(
        "calibration attempt %s of user %s on example %s: %s", number, reviewer.id, example.id, agreement
    )
    return attempt


def calibrated(project: Project, reviewer: User) -> bool:
    """Whether *reviewer* passed every example: the agreement reached, or enough attempts made."""
    return reviewer.id in calibrated_among(project, [reviewer.id])


def calibrated_among(project: Project, user_ids: list[int]) -> set[int]:
    """Those of *user_ids* who passed every example of *project* (all of them when it has none), in a fixed
    number of queries."""
    settings = settings_for(project)
    examples = examples_of(project)
    if settings is None or not examples:
        return set(user_ids)
    best: dict[tuple[int, int], tuple[Decimal, int]] = {}
    for reviewer_id, example_id, top, count in db.session.execute(
        select(
            PeerCalibration.reviewer_id,
            PeerCalibration.example_id,
            func.max(PeerCalibration.agreement),
            func.count(),
        )
        .where(PeerCalibration.example_id.in_([e.id for e in examples]))
        .group_by(PeerCalibration.reviewer_id, PeerCalibration.example_id)
    ):
        best[(reviewer_id, example_id)] = (Decimal(str(top)), count)

    def passed(user_id: int, example: PeerExample) -> bool:
        top, count = best.get((user_id, example.id), (None, 0))
        if top is not None and top >= settings.agreement:
            return True
        return bool(settings.attempts_enough and count >= settings.attempts_enough)

    return {uid for uid in user_ids if all(passed(uid, example) for example in examples)}


def example_from_grade(project: Project, submission: Submission, by: User) -> PeerExample:
    """Make *submission* an example, with the instructor's grading marks of it as the reference.

    :raises ProjectError: ``peer_incomplete`` while the submission is not fully marked.
    """
    from projects.grading.services import get_assessment

    assessment = get_assessment(submission)
    if assessment is None:
        raise ProjectError("peer_incomplete")
    reference = {
        cid: {"level_id": m.get("level_id"), "points": m.get("points")}
        for cid, m in (assessment.marks or {}).items()
    }
    if own_rubric(project):
        # The grade is marked with the project's rubric: its marks fit the peer rubric only where the
        # criteria are the same (a version of the same rubric, say).
        known = {c.id for c in rubric_of(project).criteria}
        if not known <= set(reference):
            raise ProjectError("peer_example_other_rubric")
        reference = {cid: mark for cid, mark in reference.items() if cid in known}
    return add_example(project, submission, reference, by)


def practice_for(project: Project, reviewer: User) -> list[tuple[PeerExample, Decimal | None, int]]:
    """The examples of *project* with *reviewer*'s best agreement so far and number of tries."""
    rows = []
    for example in examples_of(project):
        tries = list(
            db.session.scalars(
                select(PeerCalibration.agreement).where(
                    PeerCalibration.example_id == example.id, PeerCalibration.reviewer_id == reviewer.id
                )
            )
        )
        rows.append((example, max(tries) if tries else None, len(tries)))
    return rows


def comparison(example: PeerExample, marks: dict) -> list[tuple[str, Decimal | None, Decimal]]:
    """Criterion by criterion: (criterion id, the trainee's points, the reference points)."""
    project = cast(Project, db.session.get(Project, example.project_id))
    rubric = rubric_of(project)
    mine = points_of(rubric, marks, complete=False)
    reference = points_of(rubric, example.reference)
    return [(c.id, mine.get(c.id), reference[c.id]) for c in rubric.criteria]
