"""API: the rubric library, assessments (409 on a stale version), release and the gradebook.

Routed on the projects API blueprint (:mod:`projects.coursework.api`): an assessment's URL is its project's.
A refusal reaches the error seam's handler (422 with its sentence); the request edge commits, except the
assessment save that must answer a concurrent one with 409.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, validate
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
    get_assessment_or_404,
    get_cohort_or_404,
    get_managed_project_or_404,
    get_own_submission_or_404,
    get_project_or_404,
    get_rubric_or_404,
    get_rubric_version_or_404,
)
from projects.grading.models import MarkingStatus


class RubricSchema(Schema):
    id = fields.Int(dump_only=True)
    programme_id = fields.Int(allow_none=True, load_default=None)
    title_ko = fields.Str(load_default="")
    title_en = fields.Str(load_default="")
    version = fields.Int(dump_only=True, attribute="latest.number")
    criteria = fields.List(fields.Dict(), required=True, load_only=True)
    content = fields.Dict(dump_only=True, attribute="latest.data")


class AssessmentSchema(Schema):
    id = fields.Int(dump_only=True)
    submission_id = fields.Int(dump_only=True)
    rubric_version_id = fields.Int(dump_only=True)
    version = fields.Int(required=True)
    status = fields.Str(
        attribute="status.value",
        required=True,
        validate=validate.OneOf(["not_started", "in_progress", "ready", "released"]),
    )
    marks = fields.Dict(required=True)
    feedback = fields.Str(load_default="")
    grade = fields.Decimal(dump_only=True, as_string=True, allow_none=True)
    penalty = fields.Decimal(dump_only=True, as_string=True, allow_none=True)
    released_at = fields.DateTime(dump_only=True, allow_none=True)


class ReleaseSchema(Schema):
    released = fields.Int()


class GradebookRowSchema(Schema):
    user_id = fields.Int()
    name = fields.Str()
    grades = fields.Dict(keys=fields.Str(), values=fields.Str(allow_none=True))


def _staff() -> None:
    if g.api_user.role not in (Role.ADMIN, Role.INSTRUCTOR):
        abort(403, message=_("Only instructors and administrators may do this."))


@blp.route("/rubrics")
class Rubrics(MethodView):
    @blp.response(200, RubricSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """The rubric library of the token's owner (instructors and administrators)."""
        _staff()
        return api_page(rubrics.library_query(g.api_user), pagination_parameters)

    @blp.arguments(RubricSchema)
    @blp.response(201, RubricSchema)
    def post(self, data):
        """Create a rubric from its content (the export format's ``criteria``)."""
        _staff()
        if not rubrics.may_create_in(g.api_user, data["programme_id"]):
            abort(403, message=_("You can add rubrics only to the programmes you teach."))
        return rubrics.create_rubric(
            programme_id=data["programme_id"],
            title_ko=data["title_ko"],
            title_en=data["title_en"],
            data={"criteria": data["criteria"]},
            by=g.api_user,
        )


@blp.route("/rubrics/<int:rubric_id>")
class RubricById(MethodView):
    @blp.response(200, RubricSchema)
    def get(self, rubric_id):
        """A rubric and its latest content; older versions stay under ``/versions/<n>``."""
        _staff()
        return get_rubric_or_404(rubric_id, g.api_user)

    @blp.arguments(RubricSchema)
    @blp.response(200, RubricSchema)
    def put(self, data, rubric_id):
        """Replace the content: a new version when it changed (grades keep their version)."""
        _staff()
        rubric = get_rubric_or_404(rubric_id, g.api_user)
        if not rubrics.can_edit(g.api_user, rubric):
            abort(403, message=_("You can change rubrics only in the programmes you teach."))
        rubrics.save_rubric(
            rubric,
            title_ko=data["title_ko"] or rubric.title_ko,
            title_en=data["title_en"] or rubric.title_en,
            data={"criteria": data["criteria"]},
            by=g.api_user,
        )
        return rubric

    @blp.response(204)
    def delete(self, rubric_id):
        """Delete a rubric that no project or assessment uses (422 otherwise)."""
        _staff()
        rubric = get_rubric_or_404(rubric_id, g.api_user)
        if not rubrics.can_edit(g.api_user, rubric):
            abort(403, message=_("You can change rubrics only in the programmes you teach."))
        rubrics.delete_rubric(rubric)


@blp.route("/rubrics/<int:rubric_id>/versions/<int:number>")
class RubricVersionByNumber(MethodView):
    @blp.response(200)
    def get(self, rubric_id, number):
        """One version in the export format."""
        _staff()
        rubric = get_rubric_or_404(rubric_id, g.api_user)
        return rubrics.to_json(rubric, get_rubric_version_or_404(rubric, number))


@blp.route("/<int:project_id>/submissions/<int:submission_id>/assessment")
class AssessmentOfSubmission(MethodView):
    @blp.response(200, AssessmentSchema)
    def get(self, project_id, submission_id):
        """The grader's assessment: managers always, the trainee (or team) once it is released."""
        project, submission = _submission_or_404(project_id, submission_id)
        assessment = get_assessment_or_404(submission)
        if not services.can_manage(g.api_user, project) and assessment.status is not MarkingStatus.RELEASED:
            abort(404)
        return assessment

    @blp.arguments(AssessmentSchema)
    @blp.response(200, AssessmentSchema)
    @blp.alt_response(
        409, description=("The assessment changed since the given version; the body is the current one.")
    )
    def put(self, data, project_id, submission_id):
        """Save marks with the ``version`` read before; a stale version gets 409 and nothing is
        overwritten."""
        project, submission = _submission_or_404(project_id, submission_id)
        if not services.can_manage(g.api_user, project):
            abort(404)
        assessment = marking.start_assessment(submission, g.api_user)
        try:
            marking.save_assessment(
                assessment,
                expected_version=data["version"],
                marks=data["marks"],
                feedback=data["feedback"],
                status=MarkingStatus(data["status"]["value"]),
                by=g.api_user,
            )
            commit()  # here, not at the edge: a save committed meanwhile fails only now, and gets the 409
        except (marking.StaleAssessment, StaleDataError):
            db.session.rollback()
            current = marking.get_assessment(submission)
            abort(
                409,
                message=_(
                    "The assessment was changed by someone else (now version %(v)s).", v=current.version
                ),
            )
        return assessment


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
