"""The reviewers' list of a project: one row per trainee (or team) with their hand-in, rejected uploads and
grade.

It reads submissions beside their assessments in one statement, so it lives with grading (which may read
coursework's tables) and routes on the projects blueprint.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.pagination import paginate_rows
from lms.programmes.models import Enrolment, EnrolmentStatus
from lms.users.models import User
from media.models import MediaFile, MediaStatus
from projects.coursework.loaders import get_managed_project_or_404
from projects.coursework.models import DraftItem, Project, Submission, Team
from projects.coursework.views import bp
from projects.grading.models import Assessment, AssessmentKind


@bp.route("/<int:project_id>/submissions")
@login_required
def review_list(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    wanted = request.args.get("filter", "")
    page = paginate_rows(_review_query(project, wanted))
    return render_template("projects/review_list.html", project=project, page=page, current_filter=wanted)


def _review_query(project: Project, wanted: str = ""):
    """One plain row per trainee (or team), with their submission's summary, rejected uploads and grade.

    A single statement, paginated in SQL: the summary columns ``submit()``
    keeps on the submission replace loading every attempt, draft item and
    assessment per row (which took 4 queries a row, 200 a page).
    """
    rejected = (
        select(func.count())
        .select_from(DraftItem)
        .join(MediaFile, MediaFile.id == DraftItem.candidate_id)
        .where(DraftItem.submission_id == Submission.id, MediaFile.status == MediaStatus.REJECTED)
        .correlate(Submission)
        .scalar_subquery()
    )
    if project.team_mode:
        stmt = (
            select(Team.id.label("owner_id"), Team.name.label("name"))
            .where(Team.project_id == project.id)
            .outerjoin(Submission, (Submission.project_id == project.id) & (Submission.team_id == Team.id))
            .order_by(Team.name, Team.id)
        )
    else:
        stmt = (
            select(User.id.label("owner_id"), User.name.label("name"))
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == project.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .outerjoin(Submission, (Submission.project_id == project.id) & (Submission.user_id == User.id))
            .order_by(User.name, User.id)
        )
    stmt = stmt.add_columns(
        Submission.id.label("submission_id"),
        func.coalesce(Submission.attempt_count, 0).label("attempts"),
        Submission.last_submitted_at.label("last_at"),
        func.coalesce(Submission.last_late, False).label("late"),
        func.coalesce(rejected, 0).label("rejected"),
        Assessment.grade.label("grade"),
        Assessment.status.label("status"),
    ).outerjoin(
        Assessment, (Assessment.submission_id == Submission.id) & (Assessment.kind == AssessmentKind.GRADER)
    )
    filters = {
        "submitted": Submission.attempt_count > 0,
        "not_submitted": func.coalesce(Submission.attempt_count, 0) == 0,
        "late": Submission.last_late.is_(True),
        "rejected": rejected > 0,
    }
    return stmt.where(filters[wanted]) if wanted in filters else stmt
