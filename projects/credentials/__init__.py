"""Credentials: Open Badges 3.0 (W3C Verifiable Credentials) for completions and the achievements the centre
defines, their status list and checks."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the credential screens and API, the sentences of refusals, the jobs, and connect the
    receivers."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.common import ProjectError
    from projects.completions.signals import completion_recorded
    from projects.coursework.signals import assessment_released
    from projects.credentials import api, messages, receivers, tasks, views  # noqa: F401  (jobs)
    from projects.credentials.signals import korean_result_verified
    from projects.portfolios.signals import credentials_asked

    register_messages(ProjectError, messages.describe)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    core.personal_data_requested.connect(receivers.personal_data)
    completion_recorded.connect(receivers.issue_on_completion)
    assessment_released.connect(receivers.award_on_release)
    korean_result_verified.connect(receivers.award_on_korean)
    credentials_asked.connect(receivers.portfolio_credentials)
