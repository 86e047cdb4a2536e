"""Security headers, role checks, secret URLs, refused NUL bytes and client-address helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter, PathConverter, Rule, UnicodeConverter

from lms.extensions import login_manager

#: No inline script or style anywhere: every script is a file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs, capped at the largest id a row can have (32-bit INTEGER on PostgreSQL).

    A larger number cannot name a row; without the cap it reached the database and crashed the request
    (integer out of range) instead of answering 404.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


#: Headers of a page whose URL holds a secret: the browser must not send the URL on (``Referer`` of its
#: style sheets, pictures and links) nor keep the page.
SECRET_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def secret_url(*args: str) -> Callable:
    """Mark a view whose URL carries a secret (a link token): ``@secret_url()`` under ``@bp.route``.

    The named arguments (default: every text or path argument of its rules) are masked in every log line
    (``lms.logs``), and its answers send :data:`SECRET_HEADERS`. Put it below the route decorator, so the
    function the route registers carries the mark.
    """

    def decorator(view: Callable) -> Callable:
        view.secret_url_args = tuple(args)  # type: ignore[attr-defined]
        return view

    return decorator


def secret_args(app: Flask, rule: Rule) -> tuple[str, ...]:
    """The arguments of *rule* that hold a secret (empty when its view is not marked)."""
    view = app.view_functions.get(rule.endpoint)
    marked: Any = getattr(view, "secret_url_args", None)
    if marked is None:
        return ()
    if marked:
        return tuple(a for a in marked if a in rule.arguments)
    return tuple(
        name for name, conv in rule._converters.items() if isinstance(conv, UnicodeConverter | PathConverter)
    )


def is_secret_rule(app: Flask, rule: Rule) -> bool:
    return bool(secret_args(app, rule))


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def refuse_nul_bytes() -> None:
    """Answer 400 to a NUL byte in the path, the query or a form (PostgreSQL refuses them in text).

    JSON bodies are checked by the API's own parser.
    """
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _has_nul(request.form) or any(
            "\x00" in key or "\x00" in (f.filename or "") for key, f in request.files.items(multi=True)
        ):
            abort(400)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)

    @app.after_request
    def _headers(response):
        h = response.headers
        if request.url_rule is not None and is_secret_rule(app, request.url_rule):
            h.update(SECRET_HEADERS)
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        if app.config["SESSION_COOKIE_SECURE"] and request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html" and "charset" not in (response.content_type or ""):
            response.content_type = "text/html; charset=utf-8"
        # Pages behind a login (and API answers to a token) must not be kept by shared caches or the
        # back button after logout.
        if g.get("api_user") is not None or (current_user and current_user.is_authenticated):
            h.setdefault("Cache-Control", "no-store")
        return response


def role_required(*roles):
    """Allow the view only to signed-in users holding one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def client_ip() -> str:
    """The client's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"
