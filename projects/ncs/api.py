"""API: NCS units (read, for everyone signed in), a project's mappings (its managers) and a trainee's
coverage (the trainee, their instructors, admins).

The same services and loaders as the screens.  ``PUT`` of mappings sets the units of each outcome or
criterion sent (others keep theirs), all or nothing; a refusal reaches the one JSON error handler (422 with
its sentence); the request edge commits.
"""

from __future__ import annotations

import functools

from flask import g, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.schemas import BoundedList
from lms.pagination import api_page
from projects.coursework.loaders import get_managed_project_or_404
from projects.ncs import services as ncs
from projects.ncs.loaders import get_coverage_trainee_or_404

blp = api_blueprint("ncs_api", __name__, "", description="NCS units, mappings and coverage.")


class NcsElementSchema(Schema):
    code = fields.Str()
    name = fields.Str()


class NcsUnitSchema(Schema):
    code = fields.Str()
    prefix = fields.Str()
    name_ko = fields.Str()
    name_en = fields.Str()
    level = fields.Int()
    elements = fields.List(fields.Nested(NcsElementSchema))


class NcsUnitQuerySchema(Schema):
    q = fields.Str(load_default="", validate=validate.Length(max=100))


class NcsTargetSchema(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf([ncs.OUTCOME, ncs.CRITERION]))
    ref = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    title_ko = fields.Str(dump_only=True)
    title_en = fields.Str(dump_only=True)
    #: Full codes or 10-digit prefixes when sent; the units' current codes when read.
    units = BoundedList(
        fields.Str(validate=validate.Length(max=20)), required=True, max_items=ncs.MAX_UNITS_PER_TARGET
    )


class NcsMappingsSchema(Schema):
    targets = BoundedList(fields.Nested(NcsTargetSchema), required=True, max_items=200)


class NcsEvidenceSchema(Schema):
    project_id = fields.Int()
    project_ko = fields.Str()
    project_en = fields.Str()
    criterion_id = fields.Str()
    criterion_ko = fields.Str()
    criterion_en = fields.Str()
    share = fields.Float()
    released_at = fields.Str(allow_none=True)


class NcsCoverageSchema(Schema):
    code = fields.Str()
    name_ko = fields.Str()
    name_en = fields.Str()
    level = fields.Int()
    evidence = fields.List(fields.Nested(NcsEvidenceSchema))


def _managers_first(view):
    """Load (and so check) the project before the body of a change is read: whoever may not manage it gets
    404 whatever they sent, never a 422 about their input."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.method == "PUT":
            get_managed_project_or_404(kwargs["project_id"], g.api_user)
        return view(*args, **kwargs)

    return checked


def _targets(project) -> dict:
    return {"targets": [{**t, "units": [u.code for u in t["units"]]} for t in ncs.targets(project)]}


@blp.route("/ncs/units")
class Units(MethodView):
    @blp.arguments(NcsUnitQuerySchema, location="query")
    @blp.response(200, NcsUnitSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """NCS units by code; ``q`` finds a code's start or a word of the name (either language)."""
        return api_page(ncs.units_query(args["q"]), pagination_parameters)


@blp.route("/projects/<int:project_id>/ncs")
class ProjectMappings(MethodView):
    decorators = [_managers_first]

    @blp.response(200, NcsMappingsSchema)
    def get(self, project_id):
        """The project's outcomes and rubric criteria with the NCS units each is mapped to (its managers)."""
        return _targets(get_managed_project_or_404(project_id, g.api_user))

    @blp.arguments(NcsMappingsSchema)
    @blp.response(200, NcsMappingsSchema)
    def put(self, data, project_id):
        """Set the units of each outcome or criterion sent (others keep theirs); an unknown code refuses
        the lot."""
        project = get_managed_project_or_404(project_id, g.api_user)
        ncs.save_mappings(project, g.api_user, {(t["kind"], t["ref"]): t["units"] for t in data["targets"]})
        return _targets(project)


@blp.route("/ncs/coverage/<int:user_id>")
class Coverage(MethodView):
    @blp.response(200, NcsCoverageSchema(many=True))
    def get(self, user_id):
        """The NCS units a trainee showed, each with the graded work that shows it."""
        return ncs.coverage_data(get_coverage_trainee_or_404(user_id, g.api_user))
