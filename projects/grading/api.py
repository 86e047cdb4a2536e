"""API: the rubric library, assessments (409 on a stale version), release and the gradebook.

Routed on the projects API blueprint (:mod:`projects.coursework.api`): an assessment's URL is its project's.
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
from projects.coursework.api import _managed_or_404, _project_or_404, blp
from projects.coursework.models import Submission
from projects.coursework.services import ProjectError
from projects.coursework.views import error_message
from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.models import MarkingStatus, Rubric


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
    status = fields.Str(attribute="status.value", required=True,
                        validate=validate.OneOf(["not_started", "in_progress", "ready", "released"]))
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
        try:
            rubric = rubrics.create_rubric(programme_id=data["programme_id"], title_ko=data["title_ko"],
                                           title_en=data["title_en"], data={"criteria": data["criteria"]},
                                           by=g.api_user)
        except ProjectError as exc:
            abort(422, message=_("The rubric was refused (%(code)s).", code=exc.params.get("detail") or exc.code))
        commit()
        return rubric


@blp.route("/rubrics/<int:rubric_id>")
class RubricById(MethodView):
    @blp.response(200, RubricSchema)
    def get(self, rubric_id):
        """A rubric and its latest content; older versions stay under ``/versions/<n>``."""
        _staff()
        return _rubric_or_404(rubric_id)

    @blp.arguments(RubricSchema)
    @blp.response(200, RubricSchema)
    def put(self, data, rubric_id):
        """Replace the content: a new version when it changed (grades keep their version)."""
        _staff()
        rubric = _rubric_or_404(rubric_id)
        if not rubrics.can_edit(g.api_user, rubric):
            abort(403, message=_("You can change rubrics only in the programmes you teach."))
        try:
            rubrics.save_rubric(rubric, title_ko=data["title_ko"] or rubric.title_ko,
                                title_en=data["title_en"] or rubric.title_en, data={"criteria": data["criteria"]},
                                by=g.api_user)
        except ProjectError as exc:
            abort(422, message=_("The rubric was refused (%(code)s).", code=exc.params.get("detail") or exc.code))
        commit()
        return rubric


    @blp.response(204)
    def delete(self, rubric_id):
        """Delete a rubric that no project or assessment uses (422 otherwise)."""
        _staff()
        rubric = _rubric_or_404(rubric_id)
        if not rubrics.can_edit(g.api_user, rubric):
            abort(403, message=_("You can change rubrics only in the programmes you teach."))
        try:
            rubrics.delete_rubric(rubric)
        except ProjectError as exc:
            abort(422, message=error_message(exc))
        commit()


@blp.route("/rubrics/<int:rubric_id>/versions/<int:number>")
class RubricVersionByNumber(MethodView):
    @blp.response(200)
    def get(self, rubric_id, number):
        """One version in the export format."""
        _staff()
        rubric = _rubric_or_404(rubric_id)
        version = next((v for v in rubric.versions if v.number == number), None) or abort(404)
        return rubrics.to_json(rubric, version)


def _rubric_or_404(rubric_id: int):
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None or rubric not in rubrics.library_for(g.api_user):
        abort(404)
    return rubric


@blp.route("/<int:project_id>/submissions/<int:submission_id>/assessment")
class AssessmentOfSubmission(MethodView):
    @blp.response(200, AssessmentSchema)
    def get(self, project_id, submission_id):
        """The grader's assessment: managers always, the trainee (or team) once it is released."""
        project, submission = _submission_or_404(project_id, submission_id)
        assessment = marking.get_assessment(submission)
        if assessment is None:
            abort(404)
        if not services.can_manage(g.api_user, project) and assessment.status is not MarkingStatus.RELEASED:
            abort(404)
        return assessment

    @blp.arguments(AssessmentSchema)
    @blp.response(200, AssessmentSchema)
    @blp.alt_response(409, description="The assessment changed since the given version; the body is the current one.")
    def put(self, data, project_id, submission_id):
        """Save marks with the ``version`` read before; a stale version gets 409 and nothing is overwritten."""
        project, submission = _submission_or_404(project_id, submission_id)
        if not services.can_manage(g.api_user, project):
            abort(404)
        try:
            assessment = marking.start_assessment(submission, g.api_user)
            marking.save_assessment(assessment, expected_version=data["version"], marks=data["marks"],
                                    feedback=data["feedback"], status=MarkingStatus(data["status"]["value"]),
                                    by=g.api_user)
            commit()
        except (marking.StaleAssessment, StaleDataError):
            db.session.rollback()
            current = marking.get_assessment(submission)
            abort(409, message=_("The assessment was changed by someone else (now version %(v)s).",
                                 v=current.version))
        except ProjectError as exc:
            db.session.rollback()
            abort(422, message=error_message(exc))
        return assessment


def _submission_or_404(project_id: int, submission_id: int):
    project = _project_or_404(project_id)
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.project_id != project.id or not (
            services.can_manage(g.api_user, project) or submissions.belongs_to(g.api_user, submission)):
        abort(404)
    return project, submission


@blp.route("/<int:project_id>/release")
class Release(MethodView):
    @blp.response(200, ReleaseSchema)
    def post(self, project_id):
        """Release every assessment of the project that is ready (trainees are notified)."""
        project = _managed_or_404(project_id)
        targets = [a for s in submissions.submissions_of(project) if (a := marking.get_assessment(s))]
        released = marking.release(targets, g.api_user)
        commit()
        return {"released": released}


@blp.route("/cohorts/<int:cohort_id>/gradebook")
class Gradebook(MethodView):
    @blp.response(200, GradebookRowSchema(many=True))
    @blp.paginate()
    def get(self, cohort_id, pagination_parameters):
        """Grades per trainee and project (project id -> grade, or null) for the cohort's instructors."""
        _staff()
        if g.api_user.role is not Role.ADMIN and not services.teaches(g.api_user, cohort_id):
            abort(404)
        projects, trainees, cells = marking.cohort_gradebook(cohort_id)
        return [{"user_id": t.id, "name": t.name,
                 "grades": {str(p.id): marking.format_grade(cells[(t.id, p.id)].grade) or None for p in projects}}
                for t in api_page(trainees, pagination_parameters)]
