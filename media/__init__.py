"""Media plugin and library: uploads, validation, thumbnails, previews.

The library modules (sniffing, probing, validation, thumbnails, previews, the
resumable-upload store) are pure: they import neither Flask nor the database.
``init_app`` wires the plugin into a Gongbang application: storage, the
processing and purge jobs, the screens, the uploads API and the ``lms media``
commands.
"""

from __future__ import annotations

from pathlib import Path

#: Settings of the plugin (``LMS_MEDIA_*`` in the environment) and their defaults.
DEFAULTS = {
    "MEDIA_ROOT": None,  # default: <instance>/media; must be shared storage when scaled out
    "MEDIA_UPLOAD_MAX_BYTES": 2 * 1000**3,
    "MEDIA_STALLED_MINUTES": 30,
    "MEDIA_QUOTA_BYTES": 20 * 1000**3,  # per user: stored files plus unfinished uploads; None: no quota
    "MEDIA_UPLOAD_EXPIRY_HOURS": 24,  # unfinished uploads are deleted this long after their last write
    "MEDIA_PURGE_MINUTES": 60,  # how often the beat runs media.purge_uploads
    # What one decoding step of the worker (the check, a poster, the sprite sheet) may allocate, in MiB, in a
    # forked child (media.sandbox); a file that needs more is refused (too_much_memory). None: unbounded.
    "MEDIA_MEMORY_LIMIT_MIB": 256,
}


def init_app(app) -> None:
    """Register the media plugin: settings, models, jobs and their schedule, screens, API, navigation,
    commands."""
    from celery.signals import worker_ready

    from lms import signals as core_signals
    from lms.api import register_api_blueprint
    from lms.plugins import add_translations
    from media import (  # noqa: F401  (tables for Alembic; the worker's jobs; caption and editor routes)
        caption_api,
        caption_editor_views,
        caption_views,
        checks,
        models,
        privacy,
        receivers,
        signals,
        tasks,
    )
    from media.api import blp as api_blp
    from media.cli import cli as media_cli
    from media.views import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if not app.config["MEDIA_ROOT"]:
        app.config["MEDIA_ROOT"] = str(Path(app.instance_path) / "media")
    add_translations(app, __file__)
    app.register_blueprint(bp)
    register_api_blueprint(app, api_blp)
    register_api_blueprint(app, caption_api.blp)
    app.cli.add_command(media_cli)
    # Module-level receivers connect once however many apps a process builds.
    core_signals.nav_items.connect(receivers.navigation)
    signals.upload_requested.connect(receivers.check_upload_target)
    worker_ready.connect(receivers.requeue_on_worker_start)
    core_signals.integrity_check.connect(checks.integrity_check)
    core_signals.file_stores.connect(checks.file_stores)
    core_signals.personal_data_requested.connect(privacy.personal_data)
    core_signals.user_anonymised.connect(privacy.remove_files)
    # Run by the worker started with beat (`lms serve`, or `lms worker --beat` on one machine of a scale-out).
    celery_conf = app.extensions["celery"].conf
    celery_conf.beat_schedule = {
        **(celery_conf.beat_schedule or {}),
        "media.purge_uploads": {
            "task": "media.purge_uploads",
            "schedule": app.config["MEDIA_PURGE_MINUTES"] * 60.0,
        },
        # Jobs stranded by a crash between a commit and its queueing are taken up within this long.
        "media.requeue_stalled": {
            "task": "media.requeue_stalled",
            "schedule": app.config["MEDIA_STALLED_MINUTES"] * 60.0,
        },
    }
    app.extensions["media"] = {"version": 1}
