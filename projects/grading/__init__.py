"""Grading: the pure rubric arithmetic (``rules``), the rubric library, assessments, release and the gradebook."""
from __future__ import annotations


def init_app(app) -> None:
    """Add grading's routes to the projects blueprints and connect its receivers."""
    from lms import signals as core
    from projects.coursework import signals as coursework
    from projects.grading import api, receivers, views  # noqa: F401  (routes)

    core.nav_items.connect(receivers.navigation)
    coursework.attempt_submitted.connect(receivers.attempt_submitted)
