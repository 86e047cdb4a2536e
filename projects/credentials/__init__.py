"""Credentials: Open Badges 3.0 (W3C Verifiable Credentials) for completions, their status list and checks."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the credential screens and API, the sentences of refusals, and connect the receivers."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.common import ProjectError
    from projects.completions.signals import completion_recorded
    from projects.credentials import api, messages, receivers, views

    register_messages(ProjectError, messages.describe)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    completion_recorded.connect(receivers.issue_on_completion)
