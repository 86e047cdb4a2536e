"""The JSON API under ``/api/v1``: token authentication, one error shape, OpenAPI.

Clients authenticate with a personal access token (``Authorization: Bearer
gbp_…``); session cookies are not accepted here, so the API needs no CSRF token.
Read requests need the ``read`` scope, all others ``write``; ``OPTIONS`` needs no token, since it
answers with the allowed methods (and, for tus, the server's capabilities) and no data.  Answers speak the
token owner's language (:func:`lms.i18n.select_locale`).  JSON bodies are parsed strictly
(:mod:`lms.api.parsing`).  Plugins add their endpoints with :func:`register_api_blueprint`.
"""

from __future__ import annotations

import threading

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_babel import refresh
from flask_smorest import Api, Blueprint, abort

from lms.api.parsing import MAX_DEPTH, StrictJsonProvider, StrictParser
from lms.extensions import csrf
from lms.pagination import API_PAGINATION_HEADER

PREFIX = "/api/v1"


class LmsApi(Api):
    """flask-smorest's ``Api``, documenting blueprints when the OpenAPI document is first read.

    Documenting the two dozen API blueprints (resolving and deep-copying every schema) took about half of
    ``create_app``: every web and worker process, every CLI command and each of 1,500 tests paid it, though
    only ``/api/openapi.json`` (and the tests that read it) use the result. ``spec`` documents what waits
    before handing the document out, under a lock (two first readers at once document once).
    """

    def __init__(self, *args, **kwargs):
        self._waiting: list[tuple[Blueprint, str, list | None]] = []
        self._documenting = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        if self._waiting:
            with self._documenting:
                waiting, self._waiting = self._waiting, []
                for blp, name, parameters in waiting:
                    blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                    self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register *blp* on the app now, and in the OpenAPI document when it is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._waiting.append((blp, name, parameters))

    def _register_error_handlers(self):
        # lms.errors already answers every error, in JSON under /api/ and as a page elsewhere.
        pass


def authenticate_request() -> None:
    """``before_request`` for API blueprints: a live token with the needed scope, or 401/403."""
    from lms.api.services import authenticate_token
    from lms.jobs import commit

    if request.method == "OPTIONS":
        return  # the allowed methods (and tus' capabilities), no data: tus clients send it without a token
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
    refresh()  # from here on, the token owner's language (lms.i18n.select_locale), not Accept-Language


class LmsBlueprint(Blueprint):
    """A smorest blueprint with the strict JSON parser and ``X-Pagination`` documented as what it is."""

    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = StrictParser()

    def _document_pagination_metadata(self, spec, resp_doc):
        # flask-smorest documents the header with an object schema, but a header is text: JSON text here.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = API_PAGINATION_HEADER


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str = "") -> Blueprint:
    """A smorest blueprint that requires a token on every request."""
    blp = LmsBlueprint(name, import_name, url_prefix=PREFIX + url_prefix, description=description)
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
                "access token created under Account → API tokens (OPTIONS needs none). "
                f"JSON bodies are strict: nesting deeper than {MAX_DEPTH} levels, text holding NUL (U+0000) "
                "or a lone surrogate, and non-finite numbers (NaN, Infinity, 1e400) are refused with 400. "
                "Errors look like `{code, status, message}`, plus `errors` per field for validation; "
                "messages are in the token owner's language, else the one Accept-Language asks for."
            }
        },
    )
    app.json = StrictJsonProvider(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    app.extensions["lms.api"] = api
    register_api_blueprint(app, users_blp)
    register_api_blueprint(app, programmes_blp)
