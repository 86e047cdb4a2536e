"""Error pages for people and one JSON error shape for the API.

API errors always look like ``{"code": 404, "status": "Not Found", "message": "…"}``
(plus ``"errors"`` with field details for validation failures).
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, message: str, errors: dict | None = None):
    from http import HTTPStatus

    body = {"code": status, "status": HTTPStatus(status).phrase, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Reload the page and try again."),
        401: _("Please sign in to see this page."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This action is not allowed here."),
        410: _("This link has expired or has already been used."),
        413: _("The file or form is too large."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("Something went wrong on our side. The problem is logged; please try again later."),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        message = _messages().get(code, exc.description or "")
        if wants_json():
            data = getattr(exc, "data", None) or {}
            response = api_error(code, data.get("message") or message, data.get("messages") or data.get("errors"))
            response.headers.update(data.get("headers") or {})
            return response
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        message = _("Your form had expired. It has been reloaded: please submit it again.")
        if wants_json():
            return api_error(400, message)
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing:
            raise exc
        return _http(InternalServerError())
