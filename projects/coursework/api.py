"""API: projects, deliverables, teams, extensions, submissions and attempts.

The same services and permission checks as the screens: a token sees what
its owner could see on the site, and child ids must belong to the project
in the URL.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.api import api_blueprint
from lms.api.fields import AwareDateTime, Id
from lms.api.schemas import NOT_BLANK
from lms.extensions import db
from lms.pagination import api_page
from lms.users.models import User
from projects.coursework import services, submissions
from projects.coursework.loaders import (
    get_managed_project_or_404,
    get_own_submission_or_404,
    get_project_or_404,
)
from projects.coursework.models import Attempt, Project, Submission, Team

blp = api_blueprint("projects_api", __name__, "/projects", description="Projects and submissions.")


class DeliverableSchema(Schema):
    id = fields.Int()
    position = fields.Int()
    name_ko = fields.Str()
    name_en = fields.Str()
    kind = fields.Str(attribute="kind.value")
    required = fields.Bool()
    spec = fields.Dict(attribute="media_spec")
    guidance = fields.Str()  # in the reader's language, else the other one (kept for older clients)
    guidance_ko = fields.Str()
    guidance_en = fields.Str()
    #: ``{"required": ["ko"], "optional": ["en"]}``: caption languages the film must (may) carry.
    captions = fields.Dict()


class ProjectSchema(Schema):
    id = fields.Int()
    cohort_id = fields.Int()
    title_ko = fields.Str()
    title_en = fields.Str()
    brief_ko = fields.Str()
    brief_en = fields.Str()
    outcomes = fields.List(fields.Str(), attribute="outcome_list")
    opens_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime()
    cutoff_at = fields.DateTime(allow_none=True)
    max_attempts = fields.Int(allow_none=True)
    team_mode = fields.Bool()
    #: Hours before the due date at which trainees who have not handed in are reminded, longest first.
    reminder_hours = fields.List(fields.Int(), attribute="reminder_leads")
    status = fields.Str(attribute="status.value")
    deliverables = fields.List(fields.Nested(DeliverableSchema))


class TeamSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    member_ids = fields.Method("_members")

    def _members(self, team):
        return [u.id for u in team.members]


class ExtensionSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = Id(allow_none=True, load_default=None)
    team_id = Id(allow_none=True, load_default=None)
    due_at = AwareDateTime(required=True)
    cutoff_at = AwareDateTime(allow_none=True, load_default=None)
    reason = fields.Str(
        required=True, validate=[validate.Length(min=1, max=services.EXTENSION_REASON_MAX), NOT_BLANK]
    )
    created_at = fields.DateTime(dump_only=True)


class AttemptItemSchema(Schema):
    deliverable_id = fields.Int()
    media_id = fields.Int(allow_none=True)
    file_name = fields.Str()
    size_bytes = fields.Int(allow_none=True)
    sha256 = fields.Str()
    link_url = fields.Str()
    text = fields.Str()


class AttemptSchema(Schema):
    number = fields.Int()
    submitted_at = fields.DateTime()
    submitted_by_id = fields.Int(allow_none=True)
    due_at = fields.DateTime()
    late = fields.Bool()
    ai_used = fields.Bool()
    ai_tools = fields.Str()
    ai_generated = fields.Str()
    people = fields.List(fields.Dict())
    items = fields.List(fields.Nested(AttemptItemSchema))


class SubmissionSchema(Schema):
    id = fields.Int()
    project_id = fields.Int()
    user_id = fields.Int(allow_none=True)
    team_id = fields.Int(allow_none=True)
    status = fields.Str(attribute="status.value")
    attempts = fields.List(fields.Nested(AttemptSchema))


@blp.route("")
class Projects(MethodView):
    @blp.response(200, ProjectSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Projects the token's owner works on (trainees: published ones of their cohorts), newest due
        first."""
        return api_page(
            services.projects_query(g.api_user).options(selectinload(Project.deliverables)),
            pagination_parameters,
        )


@blp.route("/<int:project_id>")
class ProjectById(MethodView):
    @blp.response(200, ProjectSchema)
    def get(self, project_id):
        """One project with its deliverables."""
        return get_project_or_404(project_id, g.api_user)


@blp.route("/<int:project_id>/teams")
class Teams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    @blp.paginate()
    def get(self, project_id, pagination_parameters):
        """Teams of a team project (its managers), by name."""
        return api_page(
            services.teams_query(get_managed_project_or_404(project_id, g.api_user)), pagination_parameters
        )


@blp.route("/<int:project_id>/extensions")
class Extensions(MethodView):
    @blp.response(200, ExtensionSchema(many=True))
    @blp.paginate()
    def get(self, project_id, pagination_parameters):
        """Extensions granted on the project (its managers), newest first."""
        return api_page(
            services.extensions_query(get_managed_project_or_404(project_id, g.api_user)),
            pagination_parameters,
        )

    @blp.arguments(ExtensionSchema)
    @blp.response(201, ExtensionSchema)
    def post(self, data, project_id):
        """Grant one trainee (``user_id``) or one team (``team_id``) new dates."""
        project = get_managed_project_or_404(project_id, g.api_user)
        user = db.session.get(User, data["user_id"]) if data["user_id"] else None
        team = db.session.get(Team, data["team_id"]) if data["team_id"] else None
        if (data["user_id"] and user is None) or (data["team_id"] and team is None):
            abort(404)
        # A refusal (a ProjectError) reaches the error seam, which answers 422 with its sentence.
        return services.grant_extension(
            project,
            granted_by=g.api_user,
            due_at=data["due_at"],
            cutoff_at=data["cutoff_at"],
            reason=data["reason"],
            user=user,
            team=team,
        )


@blp.route("/<int:project_id>/submissions")
class Submissions(MethodView):
    @blp.response(200, SubmissionSchema(many=True))
    @blp.paginate()
    def get(self, project_id, pagination_parameters):
        """Every submission with its attempts (managers); a trainee gets only their own (or team's)."""
        project = get_project_or_404(project_id, g.api_user)
        if services.can_manage(g.api_user, project):
            return api_page(
                select(Submission)
                .where(Submission.project_id == project.id)
                .order_by(Submission.id)
                .options(selectinload(Submission.attempts).selectinload(Attempt.items)),
                pagination_parameters,
            )
        own = submissions.submission_for(project, g.api_user)
        return api_page([own] if own is not None else [], pagination_parameters)


@blp.route("/<int:project_id>/submissions/<int:submission_id>")
class SubmissionById(MethodView):
    @blp.response(200, SubmissionSchema)
    def get(self, project_id, submission_id):
        """One submission and its attempts (its managers, its trainee or team)."""
        return get_own_submission_or_404(
            get_project_or_404(project_id, g.api_user), submission_id, g.api_user
        )
