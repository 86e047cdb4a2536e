"""API: the token owner's evidence packs, with the rights of the screens.

Only a trainee has packs: every route answers 403 to anyone else, before the body is read, so no member of
staff makes, issues, shares, withdraws or deletes a pack on a trainee's behalf.  A pack made with
``consent: true`` is issued at once; otherwise it stays a draft until ``POST /packs/<id>/issue`` with
``consent: true``, and a draft may be deleted (``DELETE /packs/<id>``; 409 once issued).  A link's token is
in the answer that creates it and never again.  Refusals reach the app's one error handler.
"""

from __future__ import annotations

import functools

from flask import g, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import api_blueprint
from lms.users.models import Role
from projects.evidence import links, services
from projects.evidence.loaders import get_own_link_or_404, get_own_pack_or_404
from projects.evidence.models import RecipientKind

blp = api_blueprint(
    "evidence_api",
    __name__,
    "/evidence",
    description="A trainee's residency evidence packs: chosen parts, consent, the signed credential, links.",
)

IDS = fields.List(
    fields.Int(validate=validate.Range(min=1)),
    load_default=list,
    validate=validate.Length(max=services.PART_MAX),
)


class PackChoicesSchema(Schema):
    completions = IDS
    units = fields.List(
        fields.Str(validate=validate.Length(max=20)),
        load_default=list,
        validate=validate.Length(max=services.PART_MAX),
    )
    attendance = IDS
    korean = IDS
    items = IDS


class PackSchema(Schema):
    id = fields.Int(dump_only=True)
    recipient_kind = fields.Enum(RecipientKind, by_value=True, required=True)
    recipient_name = fields.Str(required=True, validate=validate.Length(min=1, max=services.RECIPIENT_MAX))
    choices = fields.Nested(PackChoicesSchema, required=True)
    consent = fields.Bool(load_only=True, load_default=False)
    state = fields.Function(services.pack_state, dump_only=True)
    snapshot = fields.Dict(dump_only=True, allow_none=True)
    credential = fields.Dict(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    consented_at = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class PackConsentSchema(Schema):
    consent = fields.Bool(required=True)


class PackLinkSchema(Schema):
    id = fields.Int(dump_only=True)
    days = fields.Int(
        load_only=True, load_default=30, validate=validate.Range(min=1, max=links.LINK_DAYS_MAX)
    )
    expires_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)
    state = fields.Function(lambda link: links.link_state(link), dump_only=True)


class NewPackLinkSchema(PackLinkSchema):
    url = fields.Str(dump_only=True)


class PackViewSchema(Schema):
    viewed_at = fields.DateTime()
    what = fields.Str()
    link_id = fields.Int(allow_none=True)


def _owner_first(view):
    """Refuse anyone but a trainee, and load (so check) the pack in the URL, before the body is read: whoever
    may not act on it gets 403 or 404 whatever they sent, never a 422 about their input."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if g.api_user.role is not Role.TRAINEE:
            abort(403)
        if "pack_id" in kwargs:
            get_own_pack_or_404(kwargs["pack_id"], g.api_user)
        return view(*args, **kwargs)

    return checked


@blp.route("/packs")
class Packs(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PackSchema(many=True))
    def get(self):
        """The token owner's packs, newest first."""
        return services.packs_of(g.api_user)

    @blp.arguments(PackSchema)
    @blp.response(201, PackSchema)
    def post(self, data):
        """Make a pack of the parts chosen (ids of one's own records; NCS units by code); with ``consent:
        true`` it is issued at once."""
        pack = services.create_pack(
            g.api_user, data["recipient_kind"].value, data["recipient_name"], data["choices"]
        )
        if data["consent"]:
            services.issue_pack(pack, g.api_user, consent=True)
        return pack


@blp.route("/packs/<int:pack_id>")
class PackById(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PackSchema)
    def get(self, pack_id):
        """One of the token owner's packs, with its frozen facts and credential once issued."""
        return get_own_pack_or_404(pack_id, g.api_user)

    @blp.response(204)
    @blp.alt_response(409, description="The pack is issued: withdraw it instead; nothing changed.")
    def delete(self, pack_id):
        """Delete a pack never issued (a draft); an issued pack gets 409 (withdraw it instead)."""
        services.delete_pack(get_own_pack_or_404(pack_id, g.api_user), g.api_user)


@blp.route("/packs/<int:pack_id>/issue")
class PackIssue(MethodView):
    decorators = [_owner_first]

    @blp.arguments(PackConsentSchema)
    @blp.response(200, PackSchema)
    def post(self, data, pack_id):
        """Agree to share a draft with its recipient (``consent: true``): it is frozen and signed."""
        return services.issue_pack(
            get_own_pack_or_404(pack_id, g.api_user), g.api_user, consent=data["consent"]
        )


@blp.route("/packs/<int:pack_id>/revocation")
class PackRevocation(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PackSchema)
    def post(self, pack_id):
        """Withdraw the pack: its links stop and its credential checks as revoked."""
        return services.revoke_pack(get_own_pack_or_404(pack_id, g.api_user), g.api_user)


@blp.route("/packs/<int:pack_id>/links")
class PackLinks(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PackLinkSchema(many=True))
    def get(self, pack_id):
        """The pack's links, newest first (their tokens are not stored and cannot be shown again)."""
        return get_own_pack_or_404(pack_id, g.api_user).links

    @blp.arguments(PackLinkSchema)
    @blp.response(201, NewPackLinkSchema)
    def post(self, data, pack_id):
        """Make a link working ``days`` days; ``url`` holds the token, shown this once."""
        link, token = links.create_link(
            get_own_pack_or_404(pack_id, g.api_user), g.api_user, days=data["days"]
        )
        link.url = url_for("evidence.shared", token=token, _external=True)
        return link


@blp.route("/packs/<int:pack_id>/links/<int:link_id>")
class PackLinkById(MethodView):
    decorators = [_owner_first]

    @blp.response(204)
    def delete(self, pack_id, link_id):
        """Stop the link at once."""
        pack = get_own_pack_or_404(pack_id, g.api_user)
        links.revoke_link(get_own_link_or_404(pack, link_id), g.api_user)


@blp.route("/packs/<int:pack_id>/views")
class PackViews(MethodView):
    decorators = [_owner_first]

    @blp.response(200, PackViewSchema(many=True))
    def get(self, pack_id):
        """The pack's view log: each opening through a link, newest first."""
        return links.view_log(get_own_pack_or_404(pack_id, g.api_user))
