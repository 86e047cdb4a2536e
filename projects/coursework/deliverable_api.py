"""API: a project's deliverables, with every measure the media checker applies.

Registered on the projects API blueprint (:data:`projects.coursework.api.blp`).  Reading needs what reading
the project needs (its deliverables are in the project's answer already); writing is for its managers.
``PATCH`` changes only what is sent: inside ``spec`` and ``captions`` too, where ``null`` removes a limit.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from lms.api.schemas import NOT_BLANK
from media.shape import ORIENTATIONS, RATIO_PATTERN
from projects.coursework import services
from projects.coursework.api import DeliverableSchema, blp
from projects.coursework.loaders import get_deliverable_or_404, get_managed_project_or_404, get_project_or_404
from projects.coursework.models import Deliverable, DeliverableKind

_POSITIVE = validate.Range(min=0)
#: The form's ceilings (a day of film, 100,000 pixels): numbers a float and JSON hold exactly.
_SECONDS = validate.Range(min=0, max=86400)
_PIXELS = validate.Range(min=1, max=100_000)
_CHANNELS = validate.Range(min=1, max=64)
#: At most this many formats, codecs or caption languages in a list (the document states it as maxItems).
MAX_ITEMS = 20


def _codes() -> fields.List:
    return fields.List(
        fields.Str(validate=[validate.Length(min=1, max=40), NOT_BLANK]),
        allow_none=True,
        validate=validate.Length(max=MAX_ITEMS),
    )


class DeliverableSpecSchema(Schema):
    """``media.validation.DeliverableSpec`` without ``kinds`` (the deliverable's kind implies it)."""

    containers = _codes()
    codecs = _codes()
    min_duration = fields.Float(allow_none=True, validate=_SECONDS)
    max_duration = fields.Float(allow_none=True, validate=_SECONDS)
    min_width = fields.Int(allow_none=True, validate=_PIXELS)
    min_height = fields.Int(allow_none=True, validate=_PIXELS)
    max_width = fields.Int(allow_none=True, validate=_PIXELS)
    max_height = fields.Int(allow_none=True, validate=_PIXELS)
    max_pixels = fields.Int(allow_none=True, validate=validate.Range(min=1, max=10_000_000_000))
    min_fps = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1000))
    max_fps = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1000))
    max_size_bytes = fields.Int(allow_none=True, validate=validate.Range(min=1, max=10**15))
    require_audio = fields.Bool(allow_none=True)
    #: Width:height of the picture as displayed (rotation and anamorphic pixels applied), within 2 %.
    aspect_ratios = fields.List(
        fields.Str(validate=[validate.Length(max=20), validate.Regexp(RATIO_PATTERN)]),
        allow_none=True,
        validate=validate.Length(max=MAX_ITEMS),
    )
    orientation = fields.Str(allow_none=True, validate=validate.OneOf(ORIENTATIONS))
    min_audio_channels = fields.Int(allow_none=True, strict=True, validate=_CHANNELS)
    max_audio_channels = fields.Int(allow_none=True, strict=True, validate=_CHANNELS)
    min_sample_rate = fields.Int(allow_none=True, strict=True, validate=validate.Range(min=1000, max=768_000))


class CaptionRuleSchema(Schema):
    required = fields.List(
        fields.Str(validate=validate.Length(max=35)), allow_none=True, validate=validate.Length(max=MAX_ITEMS)
    )
    optional = fields.List(
        fields.Str(validate=validate.Length(max=35)), allow_none=True, validate=validate.Length(max=MAX_ITEMS)
    )


class DeliverableInSchema(Schema):
    name_ko = fields.Str(validate=validate.Length(max=160))
    name_en = fields.Str(validate=validate.Length(max=160))
    kind = fields.Str(validate=validate.OneOf([k.value for k in DeliverableKind]))
    required = fields.Bool()
    guidance_ko = fields.Str(validate=validate.Length(max=5000))
    guidance_en = fields.Str(validate=validate.Length(max=5000))
    spec = fields.Nested(DeliverableSpecSchema)
    captions = fields.Nested(CaptionRuleSchema)


class NewDeliverableSchema(DeliverableInSchema):
    kind = fields.Str(required=True, validate=validate.OneOf([k.value for k in DeliverableKind]))


def _merged(old: dict, sent: dict) -> dict:
    """*old* with *sent* laid over it; a ``None`` removes the key."""
    return {k: v for k, v in {**old, **sent}.items() if v is not None}


@blp.route("/<int:project_id>/deliverables")
class Deliverables(MethodView):
    @blp.response(200, DeliverableSchema(many=True))
    def get(self, project_id):
        """The project's deliverables in order (whoever may read the project)."""
        return get_project_or_404(project_id, g.api_user).deliverables

    @blp.arguments(NewDeliverableSchema)
    @blp.response(201, DeliverableSchema)
    def post(self, data, project_id):
        """Add a deliverable at the end (the project's managers). ``spec`` holds the technical limits the
        upload checks apply, ``captions`` the caption languages the film must or may carry."""
        project = get_managed_project_or_404(project_id, g.api_user)
        data = {**data, "spec": _merged({}, data.get("spec", {}))}
        # A refusal (a ProjectError) reaches the error seam, which answers 422 with its sentence.
        return services.save_deliverable(project, None, **data)


@blp.route("/<int:project_id>/deliverables/<int:deliverable_id>")
class DeliverableById(MethodView):
    @blp.response(200, DeliverableSchema)
    def get(self, project_id, deliverable_id):
        """One deliverable (whoever may read the project)."""
        return get_deliverable_or_404(get_project_or_404(project_id, g.api_user), deliverable_id)

    @blp.arguments(DeliverableInSchema)
    @blp.response(200, DeliverableSchema)
    def patch(self, data, project_id, deliverable_id):
        """Change what is sent and keep the rest; in ``spec`` and ``captions`` a ``null`` removes one
        entry."""
        project = get_managed_project_or_404(project_id, g.api_user)
        deliverable: Deliverable = get_deliverable_or_404(project, deliverable_id)
        if "spec" in data:
            data["spec"] = _merged(deliverable.spec, data["spec"])
        if "captions" in data:
            data["captions"] = _merged(deliverable.captions or {}, data["captions"])
        return services.save_deliverable(project, deliverable, **data)

    @blp.response(204)
    def delete(self, project_id, deliverable_id):
        """Remove a deliverable while nothing was handed in for it (the project's managers)."""
        project = get_managed_project_or_404(project_id, g.api_user)
        services.remove_deliverable(project, get_deliverable_or_404(project, deliverable_id))
