"""Login, logout, sessions, throttling, invitation and password-reset links."""

from __future__ import annotations

from flask import Flask, session
from flask_babel import lazy_gettext as _l

from lms.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Our own session registry does the binding; Flask-Login's "strong" mode
    # would log phone users out whenever their mobile network changes address.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from lms.auth.services import user_for_session

        return user_for_session(session.get("sid"), user_id)
