"""Security headers, role checks and client-address helpers."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_login import current_user

from lms.extensions import login_manager

#: No inline script or style anywhere: every script is a file under /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
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
        # Pages behind a login must not be kept by shared caches or the back button after logout.
        if current_user and current_user.is_authenticated:
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
