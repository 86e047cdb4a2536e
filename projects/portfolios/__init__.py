"""Portfolios: a trainee's chosen, released work, who may read it, share links, the view log, the export."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the portfolio screens and API, the sentences of refusals, and connect the receivers."""
    from importlib import import_module

    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.portfolios import api, messages, receivers, views

    register_messages(messages.PortfolioError, messages.describe)
    import_module(f"{__name__}.item_views")  # importing it adds the item page's routes to the blueprint
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
