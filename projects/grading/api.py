"""API: the rubric library, assessments (409 on a stale version), release and the gradebook.

Routed on the projects API blueprint (:mod:`projects.coursework.api`): an assessment's URL is its project's.
A refusal reaches the error seam's handler (422 with its sentence); the request edge commits, except the
assessment save that must answer a concurrent one with 409.
"""

from __future__ import annotations

from functools import wraps

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from lms.extensions import db
from lms.jobs import commit
from lms.pagination import api_page
from lms.users.models import Role
from projects.coursework import services, submissions
from projects.coursework.api import blp
from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.gradebook import cohort_gradebook
from projects.grading.loaders import (
    get_cohort_or_404,
    get_managed_project_or_404,
    get_own_submission_or_404,
    get_project_or_404,
    get_rubric_or_404,
    get_rubric_version_or_404,
    get_submission_or_404,
)
from projects.grading.models import Assessment, MarkingStatus
from projects.grading.schemas import (
    AssessmentPatchSchema,
    AssessmentReplaceSchema,
    AssessmentSchema,
    GradebookRowSchema,
    ReleaseSchema,
    RubricPatchSchema,
    RubricReplaceSchema,
    RubricSchema,
)


def _staff() -> None:
    if g.api_user.role not in (Role.ADMIN, Role.INSTRUCTOR):
        abort(403, message=_("Only instructors and administrators may do this."))


def checked_first(check):
    """Run *check* (with the view's URL values) before the body is read: a visitor who may not write here is
    refused the same whatever they send, and learns nothing from the schema's answers."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            check(**{k: v for k, v in kwargs.items() if k.endswith("_id")})
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _staff_check(**_ids) -> None:
    _staff()


def _grader_check(project_id: int, submission_id: int) -> None:
    get_submission_or_404(get_managed_project_or_404(project_id, g.api_user), submission_id)


@blp.route("/rubrics")
class Rubrics(MethodView):
    @blp.response(200, RubricSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """The rubric library of the token's owner (instructors and administrators)."""
        _staff()
        return api_page(rubrics.library_query(g.api_user), pagination_parameters)

    @checked_first(_staff_check)
    @blp.arguments(RubricSchema)
    @blp.response(201, RubricSchema)
    def post(self, data):
        """Create a rubric from its content (the export format's ``criteria``)."""
        if not rubrics.may_create_in(g.api_user, data["programme_id"]):
            abort(403, message=_("You can add rubrics only to the programmes you teach."))
        return rubrics.create_rubric(
            programme_id=data["programme_id"],
            title_ko=data["title_ko"],
            title_en=data["title_en"],
            data={"criteria": data["criteria"]},
            by=g.api_user,
        )


def _editable_rubric(rubric_id: int):
    _staff()
    rubric = get_rubric_or_404(rubric_id, g.api_user)
    if not rubrics.can_edit(g.api_user, rubric):
        abort(403, message=_("You can change rubrics only in the programmes you teach."))
    return rubric


@blp.route("/rubrics/<int:rubric_id>")
class RubricById(MethodView):
    @blp.response(200, RubricSchema)
    def get(self, rubric_id):
        """A rubric and its latest content; older versions stay under ``/versions/<n>``."""
        _staff()
        return get_rubric_or_404(rubric_id, g.api_user)

    @checked_first(_editable_rubric)
    @blp.arguments(RubricReplaceSchema)
    @blp.response(200, RubricSchema)
    def put(self, data, rubric_id):
        """Replace titles and content (every field: 422 otherwise); a new version when the content changed
        (grades keep their version)."""
        rubric = _editable_rubric(rubric_id)
        rubrics.save_rubric(rubric, data={"criteria": data.pop("criteria")}, by=g.api_user, **data)
        return rubric

    @checked_first(_editable_rubric)
    @blp.arguments(RubricPatchSchema)
    @blp.response(200, RubricSchema)
    def patch(self, data, rubric_id):
        """Change the fields sent (titles, or the content as a whole); the others stay."""
        rubric = _editable_rubric(rubric_id)
        rubrics.save_rubric(
            rubric,
            title_ko=data.get("title_ko", rubric.title_ko),
            title_en=data.get("title_en", rubric.title_en),
            data={"criteria": data.get("criteria", rubric.latest.criteria)},
            by=g.api_user,
        )
        return rubric

    @blp.response(204)
    def delete(self, rubric_id):
        """Delete a rubric that no project or assessment uses (422 otherwise)."""
        rubrics.delete_rubric(_editable_rubric(rubric_id))


@blp.route("/rubrics/<int:rubric_id>/versions/<int:number>")
class RubricVersionByNumber(MethodView):
    @blp.response(200)
    def get(self, rubric_id, number):
        """One version in the export format."""
        _staff()
        rubric = get_rubric_or_404(rubric_id, g.api_user)
        return rubrics.to_json(rubric, get_rubric_version_or_404(rubric, number))


def _not_started(submission) -> dict:
    """What ``GET`` answers before anyone starts grading: version 0, nothing marked."""
    return {
        "id": None,
        "submission_id": submission.id,
        "rubric_version_id": submission.project.rubric_version_id,
        "version": 0,
        "status": MarkingStatus.NOT_STARTED.value,
        "marks": {},
        "feedback": "",
        "grade": None,
        "penalty": None,
        "released_at": None,
    }


@blp.route("/<int:project_id>/submissions/<int:submission_id>/assessment")
class AssessmentOfSubmission(MethodView):
    @blp.response(200, AssessmentSchema)
    def get(self, project_id, submission_id):
        """The grader's assessment: managers always, the trainee (or team) once it is released.

        Before anyone starts grading, managers get ``version`` 0 and ``not_started`` (the version a ``PUT`` or
        ``PATCH`` sends to start it); the trainee gets 404 until release.
        """
        project, submission = _submission_or_404(project_id, submission_id)
        manager = services.can_manage(g.api_user, project)
        assessment = marking.get_assessment(submission)
        if assessment is None and manager:
            return _not_started(submission)
        if assessment is None or (not manager and assessment.status is not MarkingStatus.RELEASED):
            abort(404)
        return _dumped(assessment)

    @checked_first(_grader_check)
    @blp.arguments(AssessmentReplaceSchema)
    @blp.response(200, AssessmentSchema)
    @blp.alt_response(409, description="The assessment changed since the given version; nothing was saved.")
    def put(self, data, project_id, submission_id):
        """Save the whole assessment (every field: 422 otherwise) with the ``version`` read before (0 when
        nobody has started); a stale version gets 409 and nothing is overwritten."""
        return _save(project_id, submission_id, data, partial=False)

    @checked_first(_grader_check)
    @blp.arguments(AssessmentPatchSchema)
    @blp.response(200, AssessmentSchema)
    @blp.alt_response(409, description="The assessment changed since the given version; nothing was saved.")
    def patch(self, data, project_id, submission_id):
        """Change some fields with the ``version`` read before: ``feedback``, ``status``, or the ``marks`` of
        the criteria named (the others keep theirs)."""
        return _save(project_id, submission_id, data, partial=True)


def _dumped(assessment: Assessment) -> dict:
    return {
        **{k: getattr(assessment, k) for k in ("id", "submission_id", "rubric_version_id", "version")},
        **{k: getattr(assessment, k) for k in ("marks", "feedback", "grade", "penalty", "released_at")},
        "second_locale": assessment.second_locale,
        "feedback_second": assessment.feedback_second or "",
        "status": assessment.status.value,
    }


def _save(project_id: int, submission_id: int, data: dict, *, partial: bool) -> dict:
    """Start the assessment if need be, save *data* (over what it has, when *partial*) and commit; 409 on a
    stale version."""
    submission = get_submission_or_404(get_managed_project_or_404(project_id, g.api_user), submission_id)
    fresh = marking.get_assessment(submission) is None
    try:
        # Two first saves at once: the second one's start breaks the unique key, and gets the 409.
        assessment = marking.start_assessment(submission, g.api_user)
        # Version 0 stands for "nobody started": the assessment this request started is at its first version.
        expected = assessment.version if fresh and data["version"] == 0 else data["version"]
        marking.save_assessment(
            assessment,
            expected_version=expected,
            marks={**(assessment.marks or {}), **data.get("marks", {})} if partial else data["marks"],
            feedback=data.get("feedback", assessment.feedback),
            status=MarkingStatus(data.get("status", assessment.status.value)),
            by=g.api_user,
            second_locale=data.get("second_locale", marking.KEEP),
            feedback_second=data.get("feedback_second", marking.KEEP),
        )
        commit()  # here, not at the edge: a save committed meanwhile fails only now, and gets the 409
    except (marking.StaleAssessment, StaleDataError, IntegrityError):
        db.session.rollback()
        current = marking.get_assessment(submission)
        now = 0 if current is None else current.version
        abort(409, message=_("The assessment was changed by someone else (now version %(v)s).", v=now))
    return _dumped(assessment)


def _submission_or_404(project_id: int, submission_id: int):
    """A submission the token's owner manages or that is theirs (or their team's), with its project."""
    project = get_project_or_404(project_id, g.api_user)
    return project, get_own_submission_or_404(project, submission_id, g.api_user)


@blp.route("/<int:project_id>/release")
class Release(MethodView):
    @blp.response(200, ReleaseSchema)
    def post(self, project_id):
        """Release every assessment of the project that is ready (trainees are notified)."""
        project = get_managed_project_or_404(project_id, g.api_user)
        targets = [a for s in submissions.submissions_of(project) if (a := marking.get_assessment(s))]
        return {"released": marking.release(targets, g.api_user)}


@blp.route("/cohorts/<int:cohort_id>/gradebook")
class Gradebook(MethodView):
    @blp.response(200, GradebookRowSchema(many=True))
    @blp.paginate()
    def get(self, cohort_id, pagination_parameters):
        """Grades per trainee and project (project id -> grade, or null) for the cohort's instructors."""
        _staff()
        cohort = get_cohort_or_404(cohort_id, g.api_user)
        projects, trainees, cells = cohort_gradebook(cohort.id)
        return [
            {
                "user_id": t.id,
                "name": t.name,
                "grades": {
                    str(p.id): marking.format_grade(cells[(t.id, p.id)].grade) or None for p in projects
                },
            }
            for t in api_page(trainees, pagination_parameters)
        ]
