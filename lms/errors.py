"""Error pages for people and one JSON error shape for the API.

API errors always look like ``{"code": 404, "status": "Not Found", "message": "…"}``
(plus ``"errors"`` with field details for validation failures).
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

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
        if code in (401, 403):  # refused access is a security event (ASVS 16.3.2); 404s hide it on purpose
            log.info("access refused (%s) on %s %r from %s", code, request.method, request.path,
                     request.remote_addr)
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
        if _value_out_of_range(exc):
            # A number or text from the request that the database cannot hold (an id past its integers): no
            # row can match it, so it is a bad request, not our crash.  Logged, since a schema let it through.
            log.warning("value out of the database's range on %s %r: %s", request.method, request.path, exc)
            from lms.extensions import db

            db.session.rollback()
            return _http(BadRequest())
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing:
            raise exc
        return _http(InternalServerError())


def _value_out_of_range(exc: Exception) -> bool:
    """SQLite refusing a Python int wider than 64 bits, or PostgreSQL refusing a value (``DataError``)."""
    return isinstance(exc, DataError) or (isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc))
