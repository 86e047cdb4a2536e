"""Korean-language progress with evidence: KIIP stages and TOPIK levels (two scales, never one), each record
with an uploaded score report checked by staff, shared with employers only when verified and chosen, and the
hours of the centre's own Korean classes.

The pure rules (scales, the two years a TOPIK result counts) are in :mod:`projects.korean.rules`.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Add the Korean evidence screens and API, word the refusals, answer careers' and portfolios' questions
    about verified levels, and add the data to personal-data downloads and anonymising."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.careers import signals as careers
    from projects.common import ProjectError
    from projects.credentials import signals as credentials
    from projects.korean import api, messages, privacy, receivers, views

    register_messages(ProjectError, messages.describe)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    app.add_template_global(receivers.shared_korean_levels, "shared_korean_levels")
    core.nav_items.connect(receivers.navigation)
    core.personal_data_requested.connect(privacy.personal_data)
    core.user_anonymised.connect(privacy.anonymise)
    careers.korean_levels_asked.connect(receivers.korean_levels)
    careers.korean_match_asked.connect(receivers.korean_match)
    credentials.korean_results_asked.connect(receivers.verified_results)
