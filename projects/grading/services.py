"""Marking: assessments against a rubric version, conflict-safe saves, audit history, release and the
gradebook.

Saves are optimistic: the grading form carries the assessment's ``version``;
a save from a form that saw an older version raises :class:`StaleAssessment`
(and SQLAlchemy's version counter catches a race between the check and the
commit), so two graders never silently overwrite each other.  Every change is
kept as an :class:`~projects.models.AssessmentChange`.  Trainees see nothing
of an assessment before it is released.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import cast

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.faults import crash_point
from lms.notifications.services import notify
from lms.users.models import User
from media.models import MediaStatus
from projects.common import ProjectError
from projects.coursework import signals
from projects.coursework.models import Attempt, Project, Submission, Team
from projects.coursework.submissions import missing_captions, recipients
from projects.grading import rubrics
from projects.grading import rules as grading
from projects.grading.models import (
    Adjustment,
    Assessment,
    AssessmentChange,
    AssessmentKind,
    MarkingStatus,
)

log = logging.getLogger(__name__)

#: The longest texts a grader or trainee may write (characters): the same limits bound the API's schemas.
FEEDBACK_MAX = 20_000
COMMENT_MAX = 5_000
REASON_MAX = 1_000


def check_length(text: str, limit: int) -> str:
    """*text* when it is at most *limit* characters (refused, never cut: nothing typed is silently lost)."""
    if len(text) > limit:
        raise ProjectError("grading_text_too_long", detail=f"{len(text)} > {limit}", limit=limit)
    return text


STATUS_ORDER = [
    MarkingStatus.NOT_STARTED,
    MarkingStatus.IN_PROGRESS,
    MarkingStatus.READY,
    MarkingStatus.RELEASED,
]


class StaleAssessment(ProjectError):
    """Someone saved the assessment after this form was loaded; ``current`` is what they saved."""

    def __init__(self, current: Assessment):
        super().__init__("stale")
        self.current = current


def format_grade(value) -> str:
    """A grade as people write it: 66.70 -> 66.7, 100.00 -> 100 (the column keeps two places)."""
    if value is None or value == "":
        return ""
    text = format(Decimal(str(value)), "f")  # str(): a float 0.1 must not become 0.1000000000000000055…
    return text.rstrip("0").rstrip(".") if "." in text else text


def policy_of(project: Project) -> grading.LatePolicy:
    return grading.LatePolicy(
        kind=grading.LatePolicyKind(project.late_policy or "none"),
        percent=project.late_percent or Decimal(0),
        floor=project.late_floor or Decimal(0),
    )


def get_assessment(submission: Submission, kind: AssessmentKind = AssessmentKind.GRADER) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.submission_id == submission.id, Assessment.kind == kind)
    )


def start_assessment(
    submission: Submission, by: User, kind: AssessmentKind = AssessmentKind.GRADER
) -> Assessment:
    """The submission's assessment, created on first use with the project's rubric version.

    A technical-compliance criterion is pre-filled from the media checks: its
    top level when every file handed in passed them (the grader may change it;
    the change is recorded).
    """
    existing = get_assessment(submission, kind)
    if existing is not None:
        return existing
    project = submission.project
    if project.rubric_version_id is None:
        raise ProjectError("no_rubric")
    assessment = Assessment(
        submission_id=submission.id,
        kind=kind,
        rubric_version_id=project.rubric_version_id,
        attempt_id=submission.last_attempt.id if submission.last_attempt else None,
        marks={},
        status=MarkingStatus.NOT_STARTED,
        grader_id=by.id,
    )
    db.session.add(assessment)
    db.session.flush()
    if kind is AssessmentKind.GRADER:
        assessment.marks = _technical_prefill(assessment)
        db.session.flush()
    return assessment


def _technical_prefill(assessment: Assessment) -> dict:
    attempt = db.session.get(Attempt, assessment.attempt_id) if assessment.attempt_id else None
    files = [(i.deliverable, i.media) for i in attempt.items if i.media is not None] if attempt else []
    if not files:
        return {}
    # A film without the caption tracks its brief requires does not meet the brief either.
    passed = all(
        m.status is MediaStatus.READY and not m.problems and not missing_captions(d, m) for d, m in files
    )
    marks = {}
    for criterion in assessment.rubric_version.criteria:
        if criterion.get("technical") and criterion["levels"]:
            levels = sorted(
                criterion["levels"], key=lambda lv: Decimal(lv.get("points") or lv.get("max_points"))
            )
            chosen = levels[-1] if passed else levels[0]
            marks[criterion["id"]] = {
                "level_id": chosen["id"],
                "points": chosen.get("points") or chosen.get("max_points"),
                "comment": "",
                "auto": True,
            }
    return marks


def compute(assessment: Assessment, *, partial: bool = False) -> grading.Grade | None:
    """The grade the marks give (None while some criterion is unmarked, unless *partial*)."""
    rubric = rubrics.core(assessment.rubric_version)
    marks = [
        grading.Mark(cid, m.get("level_id"), m.get("points"))
        for cid, m in (assessment.marks or {}).items()
        if m.get("level_id") or m.get("points") not in (None, "")
    ]
    if not partial and len(marks) < len(rubric.criteria):
        return None
    project = assessment.submission.project
    attempt = db.session.get(Attempt, assessment.attempt_id) if assessment.attempt_id else None
    days = grading.late_days(attempt.submitted_at, attempt.due_at) if attempt is not None else 0
    return grading.grade(
        rubric, marks, max_grade=project.max_grade, late_days=days, policy=policy_of(project), partial=partial
    )


def _snapshot(assessment: Assessment) -> dict:
    return {
        "marks": assessment.marks or {},
        "feedback": assessment.feedback,
        "second_locale": assessment.second_locale,
        "feedback_second": assessment.feedback_second or "",
        "status": assessment.status.value,
        "grade": None if assessment.grade is None else str(assessment.grade),
    }


class Keep:
    """The value of an argument not given: the field keeps what it holds (a partial update wipes nothing)."""


KEEP = Keep()


def _second_language(code: str) -> str | None:
    """A second language for feedback: any offered language ("" or None: none).

    :raises ProjectError: ``bad_second_language``."""
    from lms.i18n import offered_languages

    if not code:
        return None
    if code not in offered_languages():
        raise ProjectError("bad_second_language")
    return code


def _clean_marks(assessment: Assessment, marks: dict, locale: str | None) -> dict:
    """The marks to store: one entry per criterion the grader touched, texts trimmed and bounded; a second-
    language comment not sent keeps its earlier text, and none is kept without a second language."""
    clean = {}
    for criterion in assessment.rubric_version.criteria:
        mark = marks.get(criterion["id"]) or {}
        if not (
            mark.get("level_id")
            or mark.get("points") not in (None, "")
            or mark.get("comment")
            or mark.get("comment_second")
        ):
            continue
        entry = {
            "level_id": mark.get("level_id") or None,
            "points": _points(mark.get("points")),
            "comment": check_length((mark.get("comment") or "").strip(), COMMENT_MAX),
        }
        previous = (assessment.marks or {}).get(criterion["id"]) or {}
        sent = mark.get("comment_second")
        written = (
            previous.get("comment_second", "") if sent is None else check_length(sent.strip(), COMMENT_MAX)
        )
        if written and locale:
            entry["comment_second"] = written
        level = next((lv for lv in criterion["levels"] if lv["id"] == entry["level_id"]), None)
        if level is not None and level.get("points") not in (None, ""):
            # A fixed level gives its points; a number left in the range box does not apply to it.
            entry["points"] = None
        if previous.get("auto") and previous.get("level_id") == entry["level_id"]:
            entry["auto"] = True
        clean[criterion["id"]] = entry
    return clean


def save_assessment(
    assessment: Assessment,
    *,
    expected_version: int,
    marks: dict,
    feedback: str,
    status: MarkingStatus,
    by: User,
    second_locale: str | None | Keep = KEEP,
    feedback_second: str | Keep = KEEP,
) -> Assessment:
    """Store the grader's marks if nobody saved in between; record the change.

    *marks* maps criterion ids to ``{"level_id", "points", "comment", "comment_second"}``; a
    technical criterion keeps ``auto`` only while it equals the pre-filled mark.  *second_locale* and
    *feedback_second* (the feedback in a second language the grader chose, e.g. the trainee's own) stay as
    they were unless given; without a second language, the texts in it are dropped.

    :raises StaleAssessment: the form saw an older version.
    :raises ProjectError: ``bad_mark`` (points outside a range, unknown level: the core's code as
        ``problem``),
        ``incomplete_marks``.
    """
    if assessment.version != expected_version:
        raise StaleAssessment(assessment)
    check_length(feedback, FEEDBACK_MAX)
    if not isinstance(second_locale, Keep) and second_locale is not None:
        second_locale = _second_language(second_locale)
    locale = assessment.second_locale if isinstance(second_locale, Keep) else second_locale
    second = (
        assessment.feedback_second or "" if isinstance(feedback_second, Keep) else feedback_second.strip()
    )
    check_length(second, FEEDBACK_MAX)
    # Read before changing anything: loading an expired grader would autoflush half the change as a version.
    grader_id = by.id
    if assessment.status is MarkingStatus.RELEASED and status is not MarkingStatus.RELEASED:
        status = MarkingStatus.RELEASED  # a released grade can be corrected, and stays released
    before = _snapshot(assessment)
    clean = _clean_marks(assessment, marks, locale)
    assessment.marks = clean
    try:
        # compute() reads the submission's attempts and extensions; an autoflush there would write the
        # marks early and count one save as two versions.
        with db.session.no_autoflush:
            result = compute(assessment)
    except grading.GradingError as exc:
        raise _mark_refusal(assessment, exc) from exc
    if status in (MarkingStatus.READY, MarkingStatus.RELEASED) and result is None:
        raise ProjectError("incomplete_marks")
    if status is MarkingStatus.NOT_STARTED and clean:
        status = MarkingStatus.IN_PROGRESS
    assessment.feedback = feedback.strip()
    assessment.second_locale = locale
    assessment.feedback_second = second if locale else ""
    assessment.status = status
    assessment.grade = None if result is None else result.final
    assessment.penalty = None if result is None else result.penalty
    assessment.grader_id, assessment.updated_at = grader_id, utcnow()
    after = _snapshot(assessment)
    if after != before:
        db.session.add(
            AssessmentChange(assessment_id=assessment.id, user_id=grader_id, before=before, after=after)
        )
    db.session.flush()
    crash_point("grade.flushed")
    return assessment


def _mark_refusal(assessment: Assessment, exc: grading.GradingError) -> ProjectError:
    """The pure core's verdict on a mark as a refusal naming the criterion by its title (the core's words are
    kept in ``detail``, for the log)."""
    criterion = next(
        (c for c in assessment.rubric_version.criteria if c["id"] == exc.params.get("criterion")), {}
    )
    title = criterion.get("title_ko") or criterion.get("title_en") or exc.params.get("criterion")
    return ProjectError(
        "bad_mark",
        detail=str(exc),
        problem=exc.code,
        criterion=title,
        min=_plain(exc.params.get("min")),
        max=_plain(exc.params.get("max")),
    )


def _plain(number) -> str | None:
    return None if number is None else format_grade(number)


def _points(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ProjectError("bad_mark", detail="points") from None
    if not number.is_finite():  # NaN compares with nothing; the core would fail on it, not refuse it
        raise ProjectError("bad_mark", detail="points not finite")
    return str(number)


def history(assessment: Assessment) -> list[AssessmentChange]:
    return list(
        db.session.scalars(
            select(AssessmentChange)
            .where(AssessmentChange.assessment_id == assessment.id)
            .order_by(AssessmentChange.at.desc(), AssessmentChange.id.desc())
        )
    )


def set_adjustment(assessment: Assessment, user: User, points, reason: str, by: User) -> None:
    """An individual adjustment for one member of a team (0 removes it).

    :raises ProjectError: ``not_in_team``, ``bad_adjustment`` (not a number), ``adjustment_out_of_range``
        (more points, up or down, than the project's maximum grade).
    """
    submission = assessment.submission
    # A submission with a team_id always has its team.
    if submission.team_id is None or user not in cast(Team, submission.team).members:
        raise ProjectError("not_in_team")
    try:
        value = Decimal(str(points or 0).strip())
    except ArithmeticError:
        raise ProjectError("bad_adjustment", detail=f"not a number: {points!r}") from None
    if not value.is_finite():
        raise ProjectError("bad_adjustment", detail=f"not a finite number: {points!r}")
    limit = submission.project.max_grade
    if abs(value) > limit:
        raise ProjectError("adjustment_out_of_range", detail=str(value), max=format_grade(limit))
    check_length(reason, REASON_MAX)
    existing = assessment.adjustment_for(user.id)
    if value == 0 and existing is not None:
        assessment.adjustments.remove(existing)
    elif value != 0:
        if existing is None:
            assessment.adjustments.append(Adjustment(user_id=user.id, points=value, reason=reason.strip()))
        else:
            existing.points, existing.reason = value, reason.strip()
    db.session.flush()


def grade_for(assessment: Assessment, user: User) -> Decimal | None:
    """The user's grade: the team's plus their adjustment, within 0 and the maximum."""
    if assessment.grade is None:
        return None
    adjustment = assessment.adjustment_for(user.id)
    if adjustment is None:
        return assessment.grade
    project = assessment.submission.project
    return max(Decimal(0), min(project.max_grade, assessment.grade + adjustment.points))


def release(assessments: list[Assessment], by: User) -> int:
    """Release ready assessments to their trainees (and notify them); returns how many were released."""
    released = 0
    for assessment in assessments:
        if assessment.kind is not AssessmentKind.GRADER or assessment.status is not MarkingStatus.READY:
            continue
        before = _snapshot(assessment)
        assessment.status, assessment.released_at = MarkingStatus.RELEASED, utcnow()
        db.session.add(
            AssessmentChange(
                assessment_id=assessment.id, user_id=by.id, before=before, after=_snapshot(assessment)
            )
        )
        released += 1
        project = assessment.submission.project
        url = url_for("projects.feedback", project_id=project.id)
        for person in recipients(assessment.submission):
            notify(
                person,
                lambda: _("Your grade for “%(project)s” is released.", project=project.title),
                url,
                kind="grade_released",
            )
        signals.assessment_released.send(assessment)
        crash_point("release.one")  # some released, some not, nothing committed
    db.session.flush()
    log.info("%s assessment(s) released by user %s", released, by.id)
    return released


def reopen_for_attempt(attempt: Attempt) -> None:
    """A new hand-in after grading: the assessment moves to it and goes back to "in progress".

    The marks stay as a starting point; the grader releases again, so a grade
    never silently stands for work it did not see.
    """
    assessment = get_assessment(attempt.submission)
    if assessment is None or assessment.attempt_id == attempt.id:
        return
    before = _snapshot(assessment)
    assessment.attempt_id = attempt.id
    if assessment.status is not MarkingStatus.NOT_STARTED:
        assessment.status = MarkingStatus.IN_PROGRESS
    db.session.add(
        AssessmentChange(
            assessment_id=assessment.id,
            user_id=attempt.submitted_by_id,
            before=before,
            after=_snapshot(assessment),
        )
    )
    db.session.flush()


def released_for(project: Project, user: User) -> Assessment | None:
    """The user's released assessment on a project (trainees see nothing else)."""
    from projects.coursework.submissions import submission_for

    submission = submission_for(project, user)
    assessment = get_assessment(submission) if submission else None
    return assessment if assessment is not None and assessment.status is MarkingStatus.RELEASED else None
