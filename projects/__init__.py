"""Projects plugin: coursework, submissions, teams, rubrics, grading, portfolios."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the projects plugin: models, screens, and its answers to core and media signals."""
    from lms import signals as core_signals
    from lms.plugins import add_translations
    from media import signals as media_signals
    from projects import signals as project_signals
    from projects import checks, grading_views, models, receivers, submission_views  # noqa: F401  (tables; routes)
    from projects.views import bp

    if "media" not in app.extensions:
        raise RuntimeError('the projects plugin needs the media plugin: list "media" before "projects" in LMS_PLUGINS')
    from lms.api import register_api_blueprint
    from projects.api import blp as api_blp

    add_translations(app, __file__)
    app.register_blueprint(bp)
    register_api_blueprint(app, api_blp)
    from projects.career_api import blp as careers_api_blp
    from projects.career_views import bp as careers_bp

    app.register_blueprint(careers_bp)
    register_api_blueprint(app, careers_api_blp)
    from projects import privacy
    from projects.portfolio_api import blp as portfolios_api_blp
    from projects.portfolio_views import bp as portfolios_bp

    # The centre's signing key for completion records (default: <instance>/keys/completion-ed25519.pem).
    app.config.setdefault("COMPLETION_SIGNING_KEY_FILE", None)
    app.register_blueprint(portfolios_bp)
    register_api_blueprint(app, portfolios_api_blp)
    core_signals.personal_data_requested.connect(privacy.personal_data)
    core_signals.user_anonymised.connect(privacy.anonymise)
    # Module-level receivers connect once however many apps a process builds.
    core_signals.nav_items.connect(receivers.navigation)
    core_signals.dashboard_panels.connect(receivers.dashboard_panel)
    core_signals.dashboard_panels.connect(receivers.careers_panel)
    core_signals.demo_loaded.connect(receivers.demo_loaded)
    core_signals.integrity_check.connect(checks.integrity_check)
    core_signals.scale_loaded.connect(receivers.scale_loaded)
    project_signals.attempt_submitted.connect(receivers.attempt_submitted)
    media_signals.upload_requested.connect(receivers.upload_requested)
    media_signals.upload_completed.connect(receivers.upload_completed)
    media_signals.media_processed.connect(receivers.media_processed)
    media_signals.media_access.connect(receivers.media_access)
    app.extensions["projects"] = {"version": 1}
