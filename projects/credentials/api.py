"""API: a trainee reads their own Open Badges 3.0 credentials (administrators: every one); administrators
define the centre's achievements, read who holds each and award them to the trainees who already qualify.

The same services and loaders as the screens; a refusal reaches the one JSON error handler; the request edge
commits (and then the jobs that issue the credentials run).
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.api.schemas import BoundedList
from lms.users.models import Role
from projects.completions import messages as completion_messages
from projects.credentials import achievements, definitions
from projects.credentials import services as credentials
from projects.credentials.loaders import get_achievement_or_404, get_own_badge_or_404
from projects.credentials.models import AchievementKind

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


def _admin() -> None:
    if g.api_user.role is not Role.ADMIN:
        abort(403, message=completion_messages.describe("admin_only", {}))


class AchievementSchema(Schema):
    id = fields.Int(dump_only=True)
    #: Its address: the ``achievement.id`` of its credentials.
    url = fields.Function(lambda d: credentials.achievement_definition_id(d.id), dump_only=True)
    kind = fields.Enum(AchievementKind, by_value=True, required=True)
    name_ko = fields.Str(required=True, validate=validate.Length(min=1, max=definitions.NAME_MAX))
    name_en = fields.Str(load_default="", validate=validate.Length(max=definitions.NAME_MAX))
    description_ko = fields.Str(load_default="", validate=validate.Length(max=definitions.TEXT_MAX))
    description_en = fields.Str(load_default="", validate=validate.Length(max=definitions.TEXT_MAX))
    criteria_ko = fields.Str(load_default="", validate=validate.Length(max=definitions.TEXT_MAX))
    criteria_en = fields.Str(load_default="", validate=validate.Length(max=definitions.TEXT_MAX))
    achievement_type = fields.Str(
        load_default="", validate=validate.OneOf(("", *definitions.ACHIEVEMENT_TYPES))
    )
    project_id = fields.Int(load_default=None, allow_none=True)
    pass_percent = fields.Int(load_default=None, allow_none=True)
    #: ``competency_shown``: the NCS unit's code or prefix (sent); its current code is ``ncs_unit_code``.
    ncs_unit = fields.Str(load_only=True, load_default="", validate=validate.Length(max=20))
    ncs_unit_code = fields.Function(definitions.unit_code, dump_only=True)
    criterion_title = fields.Str(load_default="", validate=validate.Length(max=definitions.NAME_MAX))
    korean_scale = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(["kiip", "topik"]))
    korean_level = fields.Int(load_default=None, allow_none=True)
    #: NCS units the credential also aligns to: codes or 10-digit prefixes sent, prefixes read.
    alignment = BoundedList(
        fields.Str(validate=validate.Length(max=20)), max_items=definitions.ALIGNMENT_MAX, load_default=list
    )
    active = fields.Bool(load_default=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AwardSchema(Schema):
    id = fields.Int(dump_only=True)
    user_id = fields.Int(dump_only=True)
    evidence = fields.Str(dump_only=True)
    awarded_at = fields.DateTime(dump_only=True)
    issued_at = fields.DateTime(dump_only=True, allow_none=True)
    badge_code = fields.Function(lambda a: a.badge.code if a.badge else None, dump_only=True)


class AwardedSchema(Schema):
    awarded = fields.Int(dump_only=True)


def _save(definition, data):
    data = dict(data)
    data["alignment"] = ", ".join(data.get("alignment") or [])
    return definitions.save_definition(definition, g.api_user, **data)


@blp.route("/achievements")
class Achievements(MethodView):
    @blp.response(200, AchievementSchema(many=True))
    def get(self):
        """The achievements the centre defines (administrators)."""
        _admin()
        return definitions.definitions()

    @blp.arguments(AchievementSchema)
    @blp.response(201, AchievementSchema)
    def post(self, data):
        """Define an achievement (administrators); a kind's own fields count, the others are ignored."""
        _admin()
        return _save(None, data)


@blp.route("/achievements/<int:achievement_id>")
class AchievementById(MethodView):
    @blp.response(200, AchievementSchema)
    def get(self, achievement_id):
        """One achievement (administrators)."""
        _admin()
        return get_achievement_or_404(achievement_id)

    @blp.arguments(AchievementSchema)
    @blp.response(200, AchievementSchema)
    def put(self, data, achievement_id):
        """Replace an achievement's definition (administrators); its awards stay."""
        _admin()
        return _save(get_achievement_or_404(achievement_id), data)


@blp.route("/achievements/<int:achievement_id>/awards")
class AchievementAwards(MethodView):
    @blp.response(200, AwardSchema(many=True))
    def get(self, achievement_id):
        """Who holds it, newest first (administrators)."""
        _admin()
        return achievements.awards(get_achievement_or_404(achievement_id))

    @blp.response(200, AwardedSchema)
    def post(self, achievement_id):
        """Award it to every trainee who already meets it (administrators); their credentials are issued by
        background jobs."""
        _admin()
        return {"awarded": achievements.award_qualifying(get_achievement_or_404(achievement_id))}
