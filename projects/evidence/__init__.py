"""Residency evidence packs: a trainee chooses the facts one recipient needs (an immigration office, an
employer, a local government's regional-visa recommendation), consents, and the centre issues them as a
signed credential and a bilingual PDF shared through expiring links with a view log.

The rules (nothing in by default, consent, the frozen snapshot, the trainee alone acting) are in
:mod:`projects.evidence.services`; links in :mod:`projects.evidence.links`; the PDF in
:mod:`projects.evidence.export`.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Add the evidence pack screens and API, word the refusals, add the trainee's navigation entry, and add
    the packs to personal-data downloads and anonymising."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from projects.common import ProjectError
    from projects.evidence import api, messages, models, privacy, receivers, views  # noqa: F401 (models)

    register_messages(ProjectError, messages.describe)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    core.personal_data_requested.connect(privacy.personal_data)
    core.user_anonymised.connect(privacy.anonymise)
