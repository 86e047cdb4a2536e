"""Media plugin and library: uploads, validation, thumbnails, previews.

The library modules (sniffing, probing, validation, thumbnails, previews) are
pure: they import neither Flask nor the database. ``init_app`` wires the plugin
into a Gongbang application: storage, the processing job, the screens and the
``lms media`` commands.
"""
from __future__ import annotations

from pathlib import Path

#: Settings of the plugin (``LMS_MEDIA_*`` in the environment) and their defaults.
DEFAULTS = {
    "MEDIA_ROOT": None,  # default: <instance>/media; must be shared storage when scaled out
    "MEDIA_UPLOAD_MAX_BYTES": 2 * 1000**3,
    "MEDIA_STALLED_MINUTES": 30,
}


def init_app(app) -> None:
    """Register the media plugin: settings, models, job, screens, navigation and commands."""
    from celery.signals import worker_ready

    from lms import signals as core_signals
    from lms.plugins import add_translations
    from media import models, receivers, tasks  # noqa: F401  (tables for Alembic; the job for the worker)
    from media.cli import cli as media_cli
    from media.views import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if not app.config["MEDIA_ROOT"]:
        app.config["MEDIA_ROOT"] = str(Path(app.instance_path) / "media")
    add_translations(app, __file__)
    app.register_blueprint(bp)
    app.cli.add_command(media_cli)
    # Module-level receivers connect once however many apps a process builds.
    core_signals.nav_items.connect(receivers.navigation)
    worker_ready.connect(receivers.requeue_on_worker_start)
    app.extensions["media"] = {"version": 1}
