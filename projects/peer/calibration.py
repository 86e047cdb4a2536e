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
from projects.grading import rubrics
from projects.grading.models import RubricVersion
from projects.peer import arithmetic
from projects.peer.models import PeerCalibration, PeerExample
from projects.peer.rubric import own_rubric
from projects.peer.services import points_of, rubric_of, settings_for, spans, weights

log = logging.getLogger(__name__)


def add_example(project: Project, submission: Submission, reference: dict, by: User) -> PeerExample:
    """Make *submission* a calibration example of *project* with the instructor's *reference* marks (the
    peer rubric's criteria, each marked); an example already made of it gets the new reference.

    :raises ProjectError: ``peer_incomplete`` or ``bad_mark`` (the marks are read first), or
        ``peer_example_practised`` when that example was practised on already.
    """
    points_of(rubric_of(project), reference)
    example = example_of(project, submission)
    if example is not None:
        _not_practised(example)
    if example is None:
        example = PeerExample(project_id=project.id, submission_id=submission.id, created_by_id=by.id)
        db.session.add(example)
    example.reference = reference
    db.session.flush()
    log.info("peer example %s (submission %s) set by user %s", example.id, submission.id, by.id)
    return example


def examples_of(project: Project) -> list[PeerExample]:
    return list(
        db.session.scalars(
            select(PeerExample).where(PeerExample.project_id == project.id).order_by(PeerExample.id)
        )
    )


def example_of(project: Project, submission: Submission) -> PeerExample | None:
    """The example *project* made of *submission*, if any."""
    return db.session.scalar(
        select(PeerExample).where(
            PeerExample.project_id == project.id, PeerExample.submission_id == submission.id
        )
    )


def tries_on(project: Project) -> dict[int, int]:
    """How many practice attempts each example of *project* has (examples without any: absent), in one
    query."""
    rows = db.session.execute(
        select(PeerCalibration.example_id, func.count())
        .join(PeerExample, PeerExample.id == PeerCalibration.example_id)
        .where(PeerExample.project_id == project.id)
        .group_by(PeerCalibration.example_id)
    )
    return {example_id: count for example_id, count in rows}


def practised(example: PeerExample) -> bool:
    """Whether a trainee has practised on *example* (its reference is then what they were compared with)."""
    found = db.session.scalar(
        select(PeerCalibration.id).where(PeerCalibration.example_id == example.id).limit(1)
    )
    return found is not None


def _not_practised(example: PeerExample) -> None:
    if practised(example):
        raise ProjectError("peer_example_practised")


def change_reference(example: PeerExample, reference: dict, by: User) -> PeerExample:
    """Give *example* new reference marks, while nobody has practised on it.

    :raises ProjectError: ``peer_incomplete`` or ``bad_mark`` (the marks are read first), or
        ``peer_example_practised``.
    """
    points_of(rubric_of(cast(Project, db.session.get(Project, example.project_id))), reference)
    _not_practised(example)
    example.reference = reference
    db.session.flush()
    log.info("peer example %s: reference changed by user %s", example.id, by.id)
    return example


def remove_example(example: PeerExample, by: User) -> None:
    """Remove *example*, while nobody has practised on it.

    :raises ProjectError: ``peer_example_practised``.
    """
    _not_practised(example)
    db.session.delete(example)
    db.session.flush()
    log.info("peer example %s (submission %s) removed by user %s", example.id, example.submission_id, by.id)


def grades_fit(project: Project) -> bool:
    """Whether the instructor's grading marks can be an example's reference: peer review marks with the
    project's rubric, or the peer rubric's criteria are all among the project's rubric's."""
    if not own_rubric(project):
        return True
    if project.rubric_version_id is None:
        return False
    version = db.session.get(RubricVersion, project.rubric_version_id)
    ours = {c.id for c in rubrics.core(cast(RubricVersion, version)).criteria}
    return {c.id for c in rubric_of(project).criteria} <= ours


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
