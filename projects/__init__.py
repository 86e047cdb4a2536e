"""Projects plugin: coursework, submissions, teams, rubrics, grading, portfolios."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the projects plugin: models, screens, and its answers to core and media signals."""
    from lms import signals as core_signals
    from lms.plugins import add_translations
    from media import signals as media_signals
    from projects import signals as project_signals
    from projects import grading_views, models, receivers, submission_views  # noqa: F401  (tables; routes)
    from projects.views import bp

    if "media" not in app.extensions:
        raise RuntimeError('the projects plugin needs the media plugin: list "media" before "projects" in LMS_PLUGINS')
    from lms.api import register_api_blueprint
    from projects.api import blp as api_blp

    add_translations(app, __file__)
    app.register_blueprint(bp)
    register_api_blueprint(app, api_blp)
    # Module-level receivers connect once however many apps a process builds.
    core_signals.nav_items.connect(receivers.navigation)
    core_signals.dashboard_panels.connect(receivers.dashboard_panel)
    core_signals.demo_loaded.connect(receivers.demo_loaded)
    project_signals.attempt_submitted.connect(receivers.attempt_submitted)
    media_signals.upload_requested.connect(receivers.upload_requested)
    media_signals.upload_completed.connect(receivers.upload_completed)
    media_signals.media_processed.connect(receivers.media_processed)
    media_signals.media_access.connect(receivers.media_access)
    app.extensions["projects"] = {"version": 1}
