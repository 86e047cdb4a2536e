"""Answers of the media plugin to the core's and Celery's signals."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.signals import NavItem


def navigation(user):
    """ "Check a file" for the people who upload work."""
    if (
        "media" in current_app.extensions
        and user.is_authenticated
        and user.role.value in ("trainee", "instructor")
    ):
        return [NavItem(_l("Check a file"), "media.check", order=60)]
    return None


def check_upload_target(user, context: str, **_kwargs):
    """Uploads from the "Check a file" page: ``check:<preset>``, one of :data:`media.forms.PRESETS`."""
    from media.forms import PRESETS
    from media.signals import UploadTarget

    kind, _sep, preset = context.partition(":")
    if kind != "check" or preset not in PRESETS or not user.is_authenticated:
        return None
    return UploadTarget(spec=PRESETS[preset][1])


def requeue_on_worker_start(sender=None, **_kwargs):
    """Take up jobs of a worker that died while the broker forgot them (see ``requeue_stalled``), and delete
    the partial files such a worker left: a temporary file untouched for longer than a job may run has no
    writer left (a live job or upload writes to its file all along; other machines' workers included)."""
    from lms.jobs import commit
    from media.services import get_storage, requeue_stalled
    from media.tasks import process_upload

    app = getattr(getattr(sender, "app", None), "flask_app", None)
    if app is None or "media" not in app.extensions:
        return
    with app.app_context():
        requeue_stalled(timedelta(minutes=app.config["MEDIA_STALLED_MINUTES"]))
        commit()
        get_storage().purge_tmp(older_than=process_upload.time_limit)
