"""Background jobs of the media plugin.

``media.process_upload`` takes only an id and is safe to run any number of
times (see :mod:`media.services`).  It is acknowledged late, so a worker
killed in the middle leaves the message to be delivered again.
``media.purge_uploads`` runs from Celery beat (see :func:`media.init_app`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from sqlalchemy.exc import OperationalError

from lms.extensions import db
from lms.jobs import commit, discard_pending
from media import services

log = logging.getLogger(__name__)

MAX_RETRIES = 5


@shared_task(
    name="media.process_upload",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    # A hard ceiling per job: decoding runs in children capped in memory and processor time (media.sandbox),
    # FFmpeg children have their own timeouts.
    soft_time_limit=3600,
    time_limit=3700,
)
def process_upload(self, media_id: int) -> str | None:
    """Check an upload against its brief and make its poster, scrub sprite and preview."""
    try:
        media = services.start_processing(media_id)
        if media is None:
            db.session.rollback()
            return None
        commit()
        media = services.process_media(media)
        commit()
        return media.status.value
    except (services.TransientError, OperationalError, OSError) as exc:
        db.session.rollback()
        discard_pending()
        if self.request.retries >= MAX_RETRIES:
            services.fail_media(media_id, f"gave up after {MAX_RETRIES} retries: {exc}")
            commit()
            return "failed"
        # 10 s, 20 s, 40 s, ... : storage or the database may be back by then.
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    except Exception as exc:
        # A bug or an unexpected file must not leave the upload "processing" for ever.
        db.session.rollback()
        discard_pending()
        log.exception("media %s: processing crashed", media_id)
        services.fail_media(media_id, f"{type(exc).__name__}: {exc}")
        commit()
        return "failed"


@shared_task(name="media.requeue_stalled", acks_late=True, ignore_result=True)
def requeue_stalled() -> list[int]:
    """Queue again uploads stranded by a crash (see :func:`media.services.requeue_stalled`); run by the
    beat."""
    from flask import current_app

    ids = services.requeue_stalled(
        timedelta(minutes=current_app.config["MEDIA_STALLED_MINUTES"]),
        processing_older_than=timedelta(seconds=process_upload.time_limit),
    )
    commit()
    return ids


@shared_task(name="media.purge_uploads", acks_late=True, ignore_result=True)
def purge_uploads() -> dict:
    """Delete resumable uploads abandoned for ``MEDIA_UPLOAD_EXPIRY_HOURS`` and stale temporary files."""
    removed, stale = services.purge_uploads()
    return {"uploads": len(removed), "tmp_files": stale}
