"""Projects plugin: coursework, grading, portfolios, completions and careers, one sub-package each.

Each domain has the same file names (``models``, ``forms``, ``services``, ``views``, ``api``, ``receivers``,
``demo``, ``messages``) and an ``init_app`` that registers its screens and connects its receivers.  Domains
import only downwards (careers → portfolios → completions → grading → coursework → media → lms); a layering
test keeps it so.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

#: In dependency order: demo receivers run in this order too (grading grades coursework's demo hand-in …).
DOMAINS = (
    "coursework",
    "grading",
    "attendance",
    "ncs",
    "completions",
    "portfolios",
    "careers",
    "peer",
    "credentials",
    "korean",
    "evidence",
)


def init_app(app) -> None:
    """Register the projects plugin: every domain, then the blueprints they share, then plugin-wide
    receivers."""
    from lms import signals as core
    from lms.api import register_api_blueprint
    from lms.plugins import add_translations
    from projects import checks, common, privacy
    from projects.coursework import api, views

    if "media" not in app.extensions:
        raise RuntimeError(
            'the projects plugin needs the media plugin: list "media" before "projects" in LMS_PLUGINS'
        )
    add_translations(app, __file__)
    for name in DOMAINS:
        import_module(f"projects.{name}").init_app(app)
    app.register_blueprint(views.bp)
    register_api_blueprint(app, api.blp)
    app.add_template_global(common.localised)
    app.add_template_filter(common.iso_date)
    core.personal_data_requested.connect(privacy.personal_data)
    core.user_anonymised.connect(privacy.anonymise)
    core.integrity_check.connect(checks.integrity_check)
    core.demo_loaded.connect(demo_loaded)
    core.scale_loaded.connect(scale_loaded)
    app.extensions["projects"] = {"version": 1}


def demo_loaded(_sender, cohorts=None, people=None) -> None:
    """Every domain's demo rows, in :data:`DOMAINS` order: each builds on the one before (blinker calls its
    receivers in no set order, so one receiver runs them all)."""
    from projects.common import loaded

    if loaded():
        for name in DOMAINS:
            if find_spec(f"projects.{name}.demo") is not None:  # a domain without demo rows has no module
                import_module(f"projects.{name}.demo").load(cohorts or {}, people or {})


def scale_loaded(_sender, **data) -> None:
    """Receiver of ``lms.signals.scale_loaded``: the bulk rows of :mod:`projects.scale`."""
    from projects import scale
    from projects.common import loaded

    if loaded():
        scale.load(**data)
