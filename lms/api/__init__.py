"""The JSON API under ``/api/v1``: token authentication, one error shape, OpenAPI.

Clients authenticate with a personal access token (``Authorization: Bearer
gbp_…``); session cookies are not accepted here, so the API needs no CSRF token.
Read requests need the ``read`` scope, all others ``write``. Plugins add their
endpoints with :func:`register_api_blueprint`.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint, abort

from lms.extensions import csrf

PREFIX = "/api/v1"


class LmsApi(Api):
    def _register_error_handlers(self):
        # lms.errors already answers every error, in JSON under /api/ and as a page elsewhere.
        pass


def authenticate_request() -> None:
    """``before_request`` for API blueprints: a live token with the needed scope, or 401/403."""
    from lms.api.services import authenticate_token
    from lms.jobs import commit

    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    token = authenticate_token(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        abort(
            401,
            message=_("A valid API token is required (Authorization: Bearer …)."),
            headers={"WWW-Authenticate": 'Bearer realm="gongbang"'},
        )
    commit()  # last_used_at, kept even when the endpoint then fails (this runs before the view)
    needed = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
    if not token.has_scope(needed):
        abort(403, message=_("This token does not have the “%(scope)s” scope.", scope=needed))
    g.api_token = token
    g.api_user = token.user


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str = "") -> Blueprint:
    """A smorest blueprint that requires a token on every request."""
    blp = Blueprint(name, import_name, url_prefix=PREFIX + url_prefix, description=description)
    blp.before_request(authenticate_request)
    return blp


def register_api_blueprint(app: Flask, blp: Blueprint) -> None:
    api: LmsApi = app.extensions["lms.api"]
    csrf.exempt(blp)
    api.register_blueprint(blp)


def init_api(app: Flask) -> None:
    from lms.programmes.api import blp as programmes_blp
    from lms.users.api import blp as users_blp

    api = LmsApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Gongbang JSON API. Authenticate with a personal "
                "access token created under Account → API tokens."
            }
        },
    )
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    app.extensions["lms.api"] = api
    register_api_blueprint(app, users_blp)
    register_api_blueprint(app, programmes_blp)
