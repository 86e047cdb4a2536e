"""Careers: employers the liaison approves, their search, brokered interests and placement figures."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the employer screens and API, the sentences of refusals, and connect the receivers."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.careers import api, messages, portfolio_access, receivers, views
    from projects.careers.services import CareersError

    register_messages(CareersError, messages.describe)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    core.dashboard_panels.connect(receivers.careers_panel)
    portfolio_access.connect()
