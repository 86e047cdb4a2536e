"""Timetable and attendance: a cohort's sessions from a weekly pattern (Korean public holidays skipped), roll
call, self check-in by a rotating code, excused absences, rates per programme rules and early warnings."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the attendance screens, the sentences of refusals and the warning's kind, and connect the
    receivers."""
    from flask_babel import lazy_gettext as _l

    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.errors import register_messages
    from lms.notifications.kinds import register_kind
    from projects.attendance import api, log_views, messages, receivers, views  # noqa: F401  (log_views: routes)
    from projects.common import ProjectError

    register_messages(ProjectError, messages.describe)
    register_kind("attendance_warning", _l("Attendance warnings"), group=_l("Attendance"))
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    core.nav_items.connect(receivers.navigation)
    core.calendar_events.connect(receivers.calendar_events)
    _schedule_warnings(app)


def _schedule_warnings(app) -> None:
    """The early-warning sweep on the beat's schedule (the worker started with beat runs it)."""
    from projects.attendance import tasks  # noqa: F401  (registers the task with the worker)

    app.config.setdefault("ATTENDANCE_WARNING_MINUTES", 60)
    celery_conf = app.extensions["celery"].conf
    celery_conf.beat_schedule = {
        **(celery_conf.beat_schedule or {}),
        "projects.attendance_warnings": {
            "task": "projects.attendance_warnings",
            "schedule": app.config["ATTENDANCE_WARNING_MINUTES"] * 60.0,
        },
    }
