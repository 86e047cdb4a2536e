"""Security headers, role checks and client-address helpers."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

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


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter

    @app.after_request
    def _headers(response):
        h = response.headers
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
