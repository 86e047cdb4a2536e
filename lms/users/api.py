"""API: the current user, and user management for administrators."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from lms.api import api_blueprint
from lms.api.schemas import UserPatchSchema, UserQuerySchema, UserSchema
from lms.extensions import db
from lms.pagination import api_page
from lms.users import services
from lms.users.models import Role, User

blp = api_blueprint("users_api", __name__, "", description="The current user and (for admins) all users.")


def _require_admin() -> None:
    if g.api_user.role is not Role.ADMIN:
        abort(403, message=_("Only administrators may do this."))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The token's owner."""
        return g.api_user


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuerySchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List users (administrators)."""
        _require_admin()
        return api_page(services.search_users(args.get("q", ""), args.get("role")), pagination_parameters)

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user and send the invitation (administrators)."""
        _require_admin()
        try:
            user = services.create_user(
                email=data["email"],
                name=data["name"],
                role=data["role"],
                created_by=g.api_user,
                locale=data.get("locale"),
                organisation=data.get("organisation"),
            )
        except services.DuplicateEmail:
            abort(409, message=_("Another account already uses this e-mail address."))
        return user


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user (administrators)."""
        _require_admin()
        return db.session.get(User, user_id) or abort(404)

    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Disable or enable an account (administrators)."""
        _require_admin()
        user = db.session.get(User, user_id) or abort(404)
        if not data["active"] and user.id == g.api_user.id:
            abort(409, message=_("You cannot disable your own account."))
        if data["active"]:
            services.enable_user(user)
        else:
            services.disable_user(user, g.api_user)
        return user
