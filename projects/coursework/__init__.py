"""Coursework: project briefs with deliverables and dates, teams, extensions, submissions and attempts.

Its screens and API own the ``projects`` blueprints, which grading also routes on (a grade's URL is a
project's URL).
"""
from __future__ import annotations


def init_app(app) -> None:
    """Connect coursework's receivers; the plugin registers the shared blueprints once every domain routed."""
    from lms import signals as core
    from media import signals as media
    from projects.coursework import api, receivers, submission_views, views  # noqa: F401  (routes)

    core.nav_items.connect(receivers.navigation)
    core.dashboard_panels.connect(receivers.dashboard_panel)
    core.scale_loaded.connect(receivers.scale_loaded)
    media.upload_requested.connect(receivers.upload_requested)
    media.upload_completed.connect(receivers.upload_completed)
    media.media_processed.connect(receivers.media_processed)
    media.media_access.connect(receivers.media_access)
