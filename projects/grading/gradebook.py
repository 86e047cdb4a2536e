"""The gradebook: every trainee's standing on every project of a cohort in one joined read, and criterion
analytics (bench/gradebook.py measures it)."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import String, select, type_coerce

from lms.extensions import db
from lms.users.models import User
from projects.coursework.models import Extension, Project, Submission, TeamMember
from projects.coursework.services import cohort_trainees
from projects.grading.models import (
    Adjustment,
    Assessment,
    AssessmentKind,
    MarkingStatus,
)

#: A dict lookup per cell, not an Enum call (6000 cells per 300 x 20 gradebook).
STATUS_BY_VALUE = {status.value: status for status in MarkingStatus}


class GradebookCell(NamedTuple):
    """One trainee's standing on one project (a tuple: 6000 of them are built per 300 x 20 gradebook)."""

    submission_id: int | None
    handed_in: bool
    late: bool
    status: MarkingStatus | None
    grade: Decimal | None
    extended: bool = False


EMPTY_CELL = GradebookCell(None, False, False, None, None)


def gradebook(projects: list[Project], trainees: list[User]) -> dict[tuple[int, int], GradebookCell]:
    """(trainee id, project id) -> cell, in the same number of queries whatever the cohort size.

    Each table is read once, joined on the project ids (no per-row lazy loads,
    no IN lists that grow with the cohort), and only the columns a cell shows
    are fetched: building ORM objects for 300 x 20 cells took most of the time
    (bench/gradebook.py: 916 ms with ORM objects and a macro per cell).
    """
    ids = [p.id for p in projects]
    in_projects = Submission.project_id.in_(ids)
    # Plain rows through the connection: no ORM identity map or entity loading for 6000 rows.
    run = db.session.connection().execute
    # One row per submission with its grader assessment; status and grade as plain text, since converting
    # 6000 enums and decimals cost more than the query.
    rows = run(
        select(
            Submission.id,
            Submission.project_id,
            Submission.user_id,
            Submission.team_id,
            Submission.attempt_count,
            Submission.last_late,
            Assessment.id,
            type_coerce(Assessment.status, String),
            type_coerce(Assessment.grade, String),
        )
        .outerjoin(
            Assessment,
            (Assessment.submission_id == Submission.id) & (Assessment.kind == AssessmentKind.GRADER),
        )
        .where(in_projects)
    ).all()
    adjustments = {
        (a, u): p
        for a, u, p in run(
            select(Adjustment.assessment_id, Adjustment.user_id, Adjustment.points)
            .join(Assessment)
            .join(Submission)
            .where(in_projects)
        )
    }
    team_of = {
        (p, u): t
        for p, u, t in run(
            select(TeamMember.project_id, TeamMember.user_id, TeamMember.team_id).where(
                TeamMember.project_id.in_(ids)
            )
        )
    }
    extended = {
        (p, ("team", t) if t else ("user", u))
        for p, u, t in run(
            select(Extension.project_id, Extension.user_id, Extension.team_id).where(
                Extension.project_id.in_(ids)
            )
        )
    }
    by_owner, facts = {}, {}
    for row_sid, pid, uid, team_id, count, late, aid, status_text, grade_text in rows:
        by_owner[(pid, ("team", team_id) if team_id else ("user", uid))] = row_sid
        # SQLite hands grades back as floats, PostgreSQL as Decimals: str() first keeps 66.7 exact.
        facts[row_sid] = (
            count > 0,
            bool(late),
            aid,
            STATUS_BY_VALUE.get(status_text),
            None if grade_text is None else Decimal(str(grade_text)),
        )
    # Plain values hoisted out of the 6000-cell loop: ORM attribute access dominated it.
    plain_projects = [(p.id, p.team_mode, p.max_grade) for p in projects]
    cells = {}
    for tid in [t.id for t in trainees]:
        for pid, team_mode, max_grade in plain_projects:
            owner = ("team", team_of.get((pid, tid))) if team_mode else ("user", tid)
            sid = by_owner.get((pid, owner))
            if sid is None:
                cells[(tid, pid)] = (
                    GradebookCell(None, False, False, None, None, True)
                    if (pid, owner) in extended
                    else EMPTY_CELL
                )
                continue
            handed_in, late, aid, status, grade = facts[sid]
            if grade is not None and (aid, tid) in adjustments:
                grade = max(Decimal(0), min(max_grade, grade + adjustments[(aid, tid)]))
            cells[(tid, pid)] = GradebookCell(sid, handed_in, late, status, grade, (pid, owner) in extended)
    return cells


def cohort_gradebook(cohort_id: int) -> tuple[list[Project], list[User], dict]:
    projects = list(
        db.session.scalars(
            select(Project).where(Project.cohort_id == cohort_id).order_by(Project.due_at, Project.id)
        )
    )
    trainees = cohort_trainees(cohort_id)
    return projects, trainees, gradebook(projects, trainees)


def criterion_distribution(project: Project) -> list[dict]:
    """Per criterion of the project's rubric: how many graded assessments chose each level."""
    if project.rubric_version is None:
        return []
    assessments = db.session.scalars(
        select(Assessment)
        .join(Submission)
        .where(
            Submission.project_id == project.id,
            Assessment.kind == AssessmentKind.GRADER,
            Assessment.rubric_version_id == project.rubric_version_id,
        )
    ).all()
    out = []
    for criterion in project.rubric_version.criteria:
        counts = {lv["id"]: 0 for lv in criterion["levels"]}
        for assessment in assessments:
            level = ((assessment.marks or {}).get(criterion["id"]) or {}).get("level_id")
            if level in counts:
                counts[level] += 1
        out.append({"criterion": criterion, "counts": counts, "total": sum(counts.values())})
    return out
