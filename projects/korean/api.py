"""API: Korean evidence, with the rights of the screens.

A trainee reads and adds their own records and chooses which to share; an instructor reads and decides the
records of trainees in their cohorts, an admin all; an employer (approved) or the liaison reads only the
verified, shared and valid levels of a trainee visible to employers.  Refusals reach the app's one error
handler.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.fields import Id
from lms.extensions import db
from lms.users.models import Role
from media.models import MediaFile
from projects.careers.loaders import get_searchable_trainee_or_404
from projects.common import ProjectError
from projects.korean import services
from projects.korean.loaders import get_evidence_or_404, get_reviewed_trainee_or_404
from projects.korean.models import Scale

blp = api_blueprint(
    "korean_api",
    __name__,
    "/korean",
    description="Korean-language records (TOPIK levels, KIIP stages) with score reports, checked by staff.",
)


class KoreanEvidenceSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = fields.Int(dump_only=True)
    scale = fields.Enum(Scale, by_value=True, required=True)
    level = fields.Int(required=True, validate=validate.Range(0, 6))
    test_date = fields.Date(load_default=None, allow_none=True)
    media_id = Id(load_only=True, required=True)
    status = fields.Str(attribute="status.value", dump_only=True)
    shared = fields.Bool(dump_only=True)
    expired = fields.Method("_expired", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    decided_by = fields.Str(attribute="decided_by.name", dump_only=True, allow_none=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    decision_note = fields.Str(dump_only=True)

    def _expired(self, evidence) -> bool:
        return services.is_expired(evidence)


class KoreanDecisionSchema(Schema):
    verify = fields.Bool(required=True)
    note = fields.Str(load_default="", validate=validate.Length(max=services.MAX_NOTE))


class KoreanShareSchema(Schema):
    shared = fields.Bool(required=True)


class KoreanSharedLevelSchema(Schema):
    scale = fields.Str(attribute="scale.value")
    level = fields.Int()
    test_date = fields.Date(allow_none=True)
    verified = fields.Constant(True)


@blp.route("/evidence")
class Evidence(MethodView):
    @blp.response(200, KoreanEvidenceSchema(many=True))
    def get(self):
        """A trainee's own records; for an instructor or admin, the records waiting for them."""
        if g.api_user.role is Role.TRAINEE:
            return services.history(g.api_user.id)
        return services.waiting_for(g.api_user)

    @blp.arguments(KoreanEvidenceSchema)
    @blp.response(201, KoreanEvidenceSchema)
    def post(self, data):
        """Add a record (trainees), with ``media_id`` an upload of one's own: a PDF or an image."""
        from media.services import get_storage
        from media.sniff import HEAD_SIZE

        if g.api_user.role is not Role.TRAINEE:
            abort(403)
        document = db.session.get(MediaFile, data["media_id"])
        if document is None or document.owner_id != g.api_user.id:
            raise ProjectError("not_yours")
        with open(get_storage().path(document.storage_key), "rb") as fh:
            if not services.document_ok(fh.read(HEAD_SIZE)):
                raise ProjectError("bad_document")
        return services.add_evidence(g.api_user, data["scale"], data["level"], data["test_date"], document)


@blp.route("/evidence/<int:evidence_id>")
class EvidenceById(MethodView):
    @blp.response(200, KoreanEvidenceSchema)
    def get(self, evidence_id):
        """One record: its trainee's, or of a trainee the token's owner checks."""
        return get_evidence_or_404(evidence_id, g.api_user)


@blp.route("/evidence/<int:evidence_id>/decision")
class EvidenceDecision(MethodView):
    @blp.arguments(KoreanDecisionSchema)
    @blp.response(200, KoreanEvidenceSchema)
    def post(self, data, evidence_id):
        """Verify, or reject with a reason (the trainee's cohort's instructors, admins)."""
        evidence = get_evidence_or_404(evidence_id, g.api_user, review=True)
        return services.decide_evidence(evidence, g.api_user, verify=data["verify"], note=data["note"])


@blp.route("/evidence/<int:evidence_id>/share")
class EvidenceShare(MethodView):
    @blp.arguments(KoreanShareSchema)
    @blp.response(200, KoreanEvidenceSchema)
    def post(self, data, evidence_id):
        """Show a record to employers once verified, or stop showing it (its trainee)."""
        evidence = get_evidence_or_404(evidence_id, g.api_user)
        if evidence.user_id != g.api_user.id:
            abort(403)
        return services.set_shared(evidence, g.api_user, data["shared"])


@blp.route("/trainees/<int:user_id>/evidence")
class TraineeEvidence(MethodView):
    @blp.response(200, KoreanEvidenceSchema(many=True))
    def get(self, user_id):
        """A trainee's history: the trainee's own, or one the token's owner checks."""
        return services.history(get_reviewed_trainee_or_404(user_id, g.api_user).id)


@blp.route("/trainees/<int:user_id>/shared")
class TraineeShared(MethodView):
    @blp.response(200, KoreanSharedLevelSchema(many=True))
    def get(self, user_id):
        """The verified levels a trainee visible to employers chose to share (approved employers, liaisons,
        admins)."""
        return services.shared_levels(get_searchable_trainee_or_404(user_id, g.api_user).id)
