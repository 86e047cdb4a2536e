"""API: a trainee reads their own Open Badges 3.0 credentials (administrators: every one).

The same services and loaders as the screens; a refusal reaches the one JSON error handler.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from marshmallow import Schema, fields

from lms.api import api_blueprint
from lms.users.models import Role
from projects.credentials import services as credentials
from projects.credentials.loaders import get_own_badge_or_404

blp = api_blueprint("credentials_api", __name__, "", description="Open Badges 3.0 credentials.")


class CredentialSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = fields.Int(dump_only=True)
    completion_id = fields.Int(dump_only=True, allow_none=True)
    code = fields.Str(dump_only=True)
    credential = fields.Dict(dump_only=True)
    key_id = fields.Str(dump_only=True)
    issued_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


@blp.route("/credentials")
class Credentials(MethodView):
    @blp.response(200, CredentialSchema(many=True))
    def get(self):
        """Credentials: a trainee's own; the newest 200 for administrators."""
        if g.api_user.role is Role.ADMIN:
            return credentials.all_badges()
        return credentials.badges_of(g.api_user)


@blp.route("/completions/<int:completion_id>/credential")
class CompletionCredential(MethodView):
    @blp.response(200, CredentialSchema)
    def get(self, completion_id):
        """The current credential of a completion record (its trainee, administrators)."""
        return get_own_badge_or_404(completion_id, g.api_user)
