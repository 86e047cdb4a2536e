"""Coursework: project briefs with deliverables and dates, teams, extensions, submissions and attempts.

Its screens and API own the ``projects`` blueprints, which grading also routes on (a grade's URL is a
project's URL).
"""

from __future__ import annotations


def init_app(app) -> None:
    """Connect coursework's receivers; the plugin registers the shared blueprints once every domain routed."""
    from importlib import import_module

    from lms import signals as core
    from lms.errors import register_messages
    from media import signals as media
    from projects.common import ProjectError
    from projects.coursework import messages, receivers
    from projects.coursework import signals as coursework

    # Importing them adds their routes to the blueprints.
    for module in ("views", "submission_views", "api", "deliverable_api"):
        import_module(f"{__name__}.{module}")
    register_messages(ProjectError, messages.describe)
    core.nav_items.connect(receivers.navigation)
    core.dashboard_panels.connect(receivers.dashboard_panel)
    core.calendar_events.connect(receivers.calendar_events)
    media.upload_requested.connect(receivers.upload_requested)
    media.upload_completed.connect(receivers.upload_completed)
    media.media_processed.connect(receivers.media_processed)
    media.media_access.connect(receivers.media_access)
    media.media_links.connect(receivers.media_links)
    coursework.project_published.connect(receivers.project_published)
    coursework.attempt_submitted.connect(receivers.attempt_submitted)
    _schedule_reminders(app)


def _schedule_reminders(app) -> None:
    """The reminder run on the beat's schedule (the worker started with beat runs it)."""
    from projects.coursework import tasks  # noqa: F401  (registers the task with the worker)

    app.config.setdefault("REMINDER_MINUTES", 10)
    celery_conf = app.extensions["celery"].conf
    celery_conf.beat_schedule = {
        **(celery_conf.beat_schedule or {}),
        "projects.send_reminders": {
            "task": "projects.send_reminders",
            "schedule": app.config["REMINDER_MINUTES"] * 60.0,
        },
    }
