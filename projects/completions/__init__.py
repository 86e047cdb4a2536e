"""Completions: signed records of a trainee's completed programme, and their public verification."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the completion screens and API, the sentences of refusals, and connect the receivers."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.common import ProjectError
    from projects.completions import api, messages, receivers, views
    from projects.completions.signals import completion_recorded

    register_messages(ProjectError, messages.describe)
    # The centre's signing key for completion records (default: <instance>/keys/completion-ed25519.pem).
    app.config.setdefault("COMPLETION_SIGNING_KEY_FILE", None)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    completion_recorded.connect(receivers.announce_completion)
