"""The one error seam: domain errors, their translated sentences, error pages and one JSON error shape.

Services raise a :class:`DomainError` subclass (a code, an HTTP status and the numbers a sentence needs);
each package's ``messages.py`` registers how its codes read (:func:`register_messages`), so no person ever
sees a raw code.  An error that reaches the edge is answered once, here: the transaction is rolled back,
queued jobs are dropped, and the API gets JSON while a page gets the sentence (:func:`init_app`).  A view
that stays on its form after a refusal calls :func:`flash_error`.

API errors always look like ``{"code": 422, "status": "Unprocessable Entity", "message": "…"}``
(plus ``"errors"`` with field details for validation failures).

Pure cores (``projects.grading.rules``, ``media.validation`` …) import nothing of ``lms``; their errors have
the same shape (code, detail, params) and the services above them raise domain errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, MethodNotAllowed

log = logging.getLogger(__name__)

#: A package's sentences: ``describe(code, params)`` gives the translated sentence, or None for a code it
#: does not know.
Describer = Callable[[str, dict[str, Any]], "str | None"]
_DESCRIBERS: dict[type, list[Describer]] = {}


class DomainError(ValueError):
    """A request broke a rule of the domain: ``code`` names the rule, ``params`` hold what the sentence needs.

    ``status`` is the HTTP status the edge answers with (422 unless a subclass says otherwise); ``detail`` is
    for logs and developers, never shown.
    """

    status: int = 422

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params: dict[str, Any] = params


def register_messages(error: type[DomainError], describe: Describer) -> None:
    """Let *describe* word the codes of *error* (and of its subclasses)."""
    describers = _DESCRIBERS.setdefault(error, [])
    if describe not in describers:
        describers.append(describe)


def describe(exc: DomainError) -> str:
    """The translated sentence for *exc*: the nearest class's registered words, else a general sentence."""
    for cls in type(exc).__mro__:
        for describer in _DESCRIBERS.get(cls, ()):
            text = describer(exc.code, exc.params)
            if text is not None:
                return text
    log.error("no message for %s code %r", type(exc).__name__, exc.code)
    return _("This could not be done. Check what you entered and try again.")


def has_message(exc: DomainError) -> bool:
    """Whether a package words this code (the catalogue test asks it of every code the code base raises)."""
    return any(
        describer(exc.code, exc.params) is not None
        for cls in type(exc).__mro__
        for describer in _DESCRIBERS.get(cls, ())
    )


def flash_error(exc: DomainError) -> None:
    """Undo the refused change (and the jobs it queued) and show why, for a view that stays on its page."""
    from lms.extensions import db
    from lms.jobs import discard_pending

    db.session.rollback()
    discard_pending()
    flash(describe(exc), "error")


def apply_change(change: Callable[[], object], done: str) -> bool:
    """Run a service call: on success say *done* (the request edge commits), on a refusal say why."""
    try:
        change()
    except DomainError as exc:
        flash_error(exc)
        return False
    flash(done, "success")
    return True


def wants_json() -> bool:
    """Whether the error answer is JSON: the API, and JSON or tus requests on the pages' side (the browser's
    upload client reads the API's error shape)."""
    return request.path.startswith("/api/") or request.is_json or "Tus-Resumable" in request.headers


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
        409: _("This changed in the meantime. Reload it and try again."),
        410: _("This link has expired or has already been used."),
        413: _("The file or form is too large."),
        415: _("This kind of content is not accepted here."),
        422: _("Some of what you sent is not valid. The errors say where."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("Something went wrong on our side. The problem is logged; please try again later."),
    }


def init_app(app: Flask) -> None:
    """The transaction edge, and one answer to every error: domain refusals, HTTP errors, expired forms and
    crashes."""
    _transaction_edge(app)
    _domain_errors(app)
    _error_handlers(app)


def _transaction_edge(app: Flask) -> None:
    """A request that ends below 400 commits (then queues its jobs); any other ends rolled back, its jobs
    dropped.  Services only flush."""
    from lms.extensions import db
    from lms.jobs import commit, discard_pending

    @app.after_request
    def _commit_or_roll_back(response):
        if response.status_code < 400:
            commit()
        else:
            db.session.rollback()
            discard_pending()
        return response


def _domain_errors(app: Flask) -> None:
    """A refusal that reached the edge: undone, then JSON for the API, or the sentence on the page before."""
    from lms.extensions import db
    from lms.jobs import discard_pending

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError):
        db.session.rollback()
        discard_pending()
        message = describe(exc)
        if wants_json():
            return api_error(exc.status, message)
        flash(message, "error")
        back = request.referrer or ""
        if request.method == "POST" and back.startswith(request.host_url):
            return redirect(back, 303)
        return render_template("errors/error.html", code=exc.status, message=message), exc.status


def _error_handlers(app: Flask) -> None:
    from lms.extensions import db

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        if code in (401, 403):  # refused access is a security event (ASVS 16.3.2); 404s hide it on purpose
            log.info(
                "access refused (%s) on %s %r from %s",
                code,
                request.method,
                request.path,
                request.remote_addr,
            )
        message = _messages().get(code, exc.description or "")
        # RFC 9110: a 405 says which methods the resource allows.
        methods = exc.valid_methods if isinstance(exc, MethodNotAllowed) else None
        allow = {"Allow": ", ".join(methods)} if methods else {}
        if wants_json():
            data = getattr(exc, "data", None) or {}
            response = api_error(
                code, data.get("message") or message, data.get("messages") or data.get("errors")
            )
            response.headers.update({**allow, **(data.get("headers") or {})})
            return response
        return render_template("errors/error.html", code=code, message=message), code, allow

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        # An error page, not the form again: drafts.js adds a link back, where what was typed is restored.
        message = _("Your form had expired. Go back to it and send it again.")
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
            db.session.rollback()
            return _http(BadRequest())
        log.exception("unhandled error on %s %s", request.method, request.path)
        if app.testing:
            raise exc
        return _http(InternalServerError())


def _value_out_of_range(exc: Exception) -> bool:
    """SQLite refusing a Python int wider than 64 bits, or PostgreSQL refusing a value (``DataError``)."""
    return isinstance(exc, DataError) or (isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc))
