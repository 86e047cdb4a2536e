"""Projects plugin: coursework, submissions, teams, rubrics, grading, portfolios."""
from __future__ import annotations


def init_app(app) -> None:
    """Register the projects plugin (its features arrive with the coursework issues)."""
    from lms.plugins import add_translations

    add_translations(app, __file__)
    app.extensions["projects"] = {"version": 1}
