"""Grading: the pure rubric arithmetic (``rules``), the rubric library, assessments, release and the
gradebook."""

from __future__ import annotations


def init_app(app) -> None:
    """Add grading's routes to the projects blueprints, word its refusals and connect its receivers."""
    from importlib import import_module

    from lms import signals as core
    from lms.errors import register_messages
    from projects.common import ProjectError
    from projects.coursework import signals as coursework
    from projects.grading import messages, receivers, services

    for screens in (
        "views",
        "rubric_views",
        "review_views",
        "api",
    ):  # their routes join the projects blueprints on import
        import_module(f"projects.grading.{screens}")
    register_messages(ProjectError, messages.describe)
    core.nav_items.connect(receivers.navigation)
    # Coursework's pages show grades without importing grading: through these template helpers.
    app.add_template_filter(services.format_grade, "grade")
    app.add_template_global(services.released_for, "released_grade")
    coursework.attempt_submitted.connect(receivers.attempt_submitted)
    coursework.grading_backlog.connect(receivers.grading_backlog)
