"""API: completion records and their verification.

The same services and loaders as the screens: a trainee reads their own records; administrators record, read
and revoke every record.  A refusal reaches the one JSON error handler; the request edge commits.
"""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.fields import Id
from lms.api.schemas import NOT_BLANK
from lms.extensions import db
from lms.programmes.models import Cohort
from lms.users.models import Role, User
from projects.completions import messages
from projects.completions import services as completions
from projects.completions.loaders import get_own_completion_or_404

blp = api_blueprint("completions_api", __name__, "", description="Completion records and their verification.")


class CompletionSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = Id(required=True)
    cohort_id = Id(required=True)
    completed_on = fields.Date(required=True)
    code = fields.Str(dump_only=True)
    record = fields.Dict(dump_only=True)
    signature = fields.Str(dump_only=True)
    key_id = fields.Str(dump_only=True)
    issued_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_reason = fields.Str(dump_only=True)
    verify_url = fields.Function(
        lambda c: url_for("completions.verify", code=c.code, _external=True), dump_only=True
    )


class RevokeSchema(Schema):
    reason = fields.Str(
        required=True, validate=[validate.Length(min=1, max=completions.REASON_MAX), NOT_BLANK]
    )


class VerdictSchema(Schema):
    status = fields.Str()
    reason = fields.Str()


def _admin() -> None:
    if g.api_user.role is not Role.ADMIN:
        abort(403, message=messages.describe("admin_only", {}))


@blp.route("/completions")
class Completions(MethodView):
    @blp.response(200, CompletionSchema(many=True))
    def get(self):
        """Completion records: a trainee's own; every record for administrators."""
        if g.api_user.role is Role.ADMIN:
            return completions.all_completions()
        return completions.completions_of(g.api_user)

    @blp.arguments(CompletionSchema)
    @blp.response(201, CompletionSchema)
    def post(self, data):
        """Record and sign a trainee's completion of a cohort (administrators)."""
        _admin()
        trainee, cohort = db.session.get(User, data["user_id"]), db.session.get(Cohort, data["cohort_id"])
        if trainee is None or cohort is None:
            abort(404)
        return completions.mark_completion(trainee, cohort, data["completed_on"], g.api_user)


@blp.route("/completions/<int:completion_id>")
class CompletionById(MethodView):
    @blp.response(200, CompletionSchema)
    def get(self, completion_id):
        """One record (its trainee, administrators)."""
        return get_own_completion_or_404(completion_id, g.api_user)


@blp.route("/completions/<int:completion_id>/revoke")
class CompletionRevoke(MethodView):
    @blp.arguments(RevokeSchema)
    @blp.response(200, CompletionSchema)
    def post(self, data, completion_id):
        """Revoke a record with a reason (administrators)."""
        _admin()
        completion = get_own_completion_or_404(completion_id, g.api_user)
        completions.revoke_completion(completion, data["reason"], g.api_user)
        return completion


@blp.route("/completions/<int:completion_id>/verification")
class CompletionVerification(MethodView):
    @blp.response(200, VerdictSchema)
    def get(self, completion_id):
        """Check the stored record's signature and revocation (the public page does the same:
        /verify/<code>)."""
        verdict = completions.verify(get_own_completion_or_404(completion_id, g.api_user))
        return {"status": verdict.status, "reason": verdict.reason}
