"""The media plugin's answers to ``lms check`` and ``lms backup``.

Findings (see :data:`lms.signals.integrity_check`):

``unfinished_upload``
    a resumable upload received whole, whose registration died with its
    process and was never retried; repaired by finishing it (the row, the
    checks and the plugins' ``upload_completed`` answer, e.g. joining a draft).
``expired_upload``
    an unfinished upload past its expiry; repaired by deleting it (as the purge job does).
``stale_tmp``
    a temporary file left by a crashed writer; repaired by deleting it.
``missing_file``
    a row whose original is not in storage: nothing can remake it; a person must.
``missing_rendition``
    a ready file without a poster/preview it should have, or whose rendition
    file is gone; repaired by processing it again.
``stuck_job``
    an upload left pending or processing; repaired by queueing its job again.
``orphan_file``
    a stored file no row refers to; repaired by moving it to ``<MEDIA_ROOT>/quarantine/``.
``hash_parts``
    a row whose indexed hash parts (``phash_p0``..) disagree with its perceptual hash, so near-duplicate
    lookups miss it (the model keeps them in step; raw SQL or a bulk update does not); repaired by
    splitting the hash again.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.db import STREAM_BATCH, streamed, utcnow
from lms.extensions import db
from lms.signals import FileStore, Finding
from lms.users.models import User
from media import services
from media.models import MediaFile, MediaStatus, Rendition
from media.similarity import PARTS, parts
from media.storage import original_key
from media.tus import TusError

log = logging.getLogger(__name__)

#: The renditions a ready upload of each kind must have (a sprite and its track only when there is a
#: duration).
EXPECTED = {"image": {"poster", "display"}, "video": {"poster", "preview"}}


def _loaded() -> bool:
    return "media" in current_app.extensions


def integrity_check(_app, repair: bool = False, grace: timedelta = timedelta(hours=1), **_kwargs):
    """Receiver of :data:`lms.signals.integrity_check` (the findings are listed in the module's docstring)."""
    if not _loaded():
        return None
    cutoff = time.time() - grace.total_seconds()
    findings = _unfinished_uploads(repair, cutoff)
    findings += _expired_uploads(repair)
    findings += _stale_tmp(repair, cutoff)
    findings += _stuck_jobs(repair, grace)  # before the renditions: a reprocessed file is pending, not stuck
    findings += _rows_without_files(repair)
    findings += _orphans(repair, cutoff)
    findings += _hash_parts(repair)
    return findings


def _hash_parts(repair: bool) -> list[Finding]:
    columns = (MediaFile.phash_p0, MediaFile.phash_p1, MediaFile.phash_p2)
    rows = db.session.execute(
        select(MediaFile.id, MediaFile.phash, *columns)
        .where(or_(MediaFile.phash.is_not(None), *(c.is_not(None) for c in columns)))
        .order_by(MediaFile.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    wrong = [row.id for row in rows if tuple(row[2:]) != (parts(row.phash) if row.phash else (None,) * PARTS)]
    out = [
        _finding("hash_parts", f"media {media_id}", "near-duplicate lookups miss it") for media_id in wrong
    ]
    if repair:
        for finding, media_id in zip(out, wrong):
            media = db.session.get(MediaFile, media_id)
            media.phash = media.phash  # the model's validator splits it again
            finding.repaired, finding.action = True, "split the hash again"
        db.session.flush()
    return out


def _finding(code: str, subject: str, detail: str = "", **kw) -> Finding:
    return Finding("media", code, subject, detail, **kw)


def _unfinished_uploads(repair: bool, cutoff: float) -> list[Finding]:
    store = services.get_upload_store()
    out = []
    for upload in store.uploads():
        last_write = upload.expires - store.expiry_seconds
        if not upload.complete or last_write > cutoff or services._registered(upload) is not None:
            continue
        finding = _finding(
            "unfinished_upload",
            f"upload {upload.id[:12]}…",
            f"{upload.length} bytes of user {upload.owner_id} for {upload.context}",
        )
        out.append(finding)
        if not repair:
            continue
        owner = db.session.get(User, upload.owner_id)
        if owner is None:
            finding.needs_person, finding.detail = True, finding.detail + "; the account is gone"
            continue
        try:
            # A savepoint: a plugin refusing the finished upload (its deliverable deleted, say) undoes only
            # this one.
            with db.session.begin_nested():
                media = services.finish_upload(owner, upload.id)
        except TusError as exc:  # 423: a request is finishing it right now
            finding.detail += f"; left alone ({exc.code})"
        except Exception as exc:  # noqa: BLE001 — reported for a person, never hidden
            log.exception("upload %s could not be finished", upload.id)
            finding.needs_person, finding.detail = True, f"{finding.detail}; {type(exc).__name__}: {exc}"
        else:
            finding.repaired, finding.action = True, f"registered as media {media.id}"
    return out


def _expired_uploads(repair: bool) -> list[Finding]:
    store = services.get_upload_store()
    now = time.time()
    expired = [u for u in store.uploads() if u.expires < now and not u.complete]
    out = [
        _finding("expired_upload", f"upload {u.id[:12]}…", f"{u.offset} of {u.length} bytes") for u in expired
    ]
    if repair:
        for finding, upload in zip(out, expired):
            try:
                store.terminate(upload.id)
            except TusError as exc:  # a late PATCH holds it: the next check takes it
                finding.detail += f"; left alone ({exc.code})"
            else:
                finding.repaired, finding.action = True, "deleted"
    return out


def _stale_tmp(repair: bool, cutoff: float) -> list[Finding]:
    storage = services.get_storage()
    stale = [p for p in storage.tmp.iterdir() if p.is_file() and p.stat().st_mtime <= cutoff]
    out = [_finding("stale_tmp", f"tmp/{p.name}", f"{p.stat().st_size} bytes") for p in stale]
    if repair:
        for finding, path in zip(out, stale):
            path.unlink(missing_ok=True)
            finding.repaired, finding.action = True, "deleted"
    return out


def _rows_without_files(repair: bool) -> list[Finding]:
    storage = services.get_storage()
    out = []
    for media in streamed(
        select(MediaFile).options(selectinload(MediaFile.renditions)).order_by(MediaFile.id)
    ):
        if not storage.exists(media.storage_key):
            out.append(
                _finding(
                    "missing_file",
                    f"media {media.id}",
                    f"{media.storage_key} of user {media.owner_id}: ask them to upload it again",
                    needs_person=True,
                )
            )
            continue
        if not media.status.done:
            continue  # its job is still to come (see _stuck_jobs); it writes the renditions
        gone = sorted(r.role for r in media.renditions if not storage.exists(r.storage_key))
        if media.status is MediaStatus.READY:
            want = set(EXPECTED.get(media.kind or "", ()))
            if media.kind == "video" and media.duration:
                want |= {"sprite", "vtt"}
            gone = sorted(set(gone) | (want - {r.role for r in media.renditions}))
        if not gone:
            continue
        finding = _finding("missing_rendition", f"media {media.id}", ", ".join(gone))
        out.append(finding)
        if repair:
            services.request_reprocess(media)
            finding.repaired, finding.action = True, "processing queued again"
    return out


def _stuck_jobs(repair: bool, grace: timedelta) -> list[Finding]:
    cutoff = utcnow() - grace
    stuck = db.session.scalars(
        select(MediaFile)
        .where(
            MediaFile.status.in_([MediaStatus.PENDING, MediaStatus.PROCESSING]),
            MediaFile.created_at <= cutoff,
        )
        .order_by(MediaFile.id)
    ).all()
    out = [
        _finding(
            "stuck_job",
            f"media {m.id}",
            f"{m.status.value} since {m.created_at:%Y-%m-%d %H:%M}Z, {m.attempts} attempt(s)",
        )
        for m in stuck
    ]
    if repair and stuck:
        queued = set(services.requeue_stalled(grace))
        for finding, media in zip(out, stuck):
            if media.id in queued:
                finding.repaired, finding.action = True, "job queued again"
    return out


def _referenced_keys(connection=None) -> set[str]:
    run = connection.execute if connection is not None else db.session.execute
    keys = {k for (k,) in run(select(MediaFile.storage_key))}
    return keys | {k for (k,) in run(select(Rendition.storage_key))}


def _orphans(repair: bool, cutoff: float) -> list[Finding]:
    storage = services.get_storage()
    db.session.flush()
    referenced = _referenced_keys()
    # An upload being finished has its bytes in storage before its row exists.
    claimed = {
        original_key(u.sha256)
        for u in services.get_upload_store().uploads()
        if u.sha256 and services._registered(u) is None
    }
    out = []
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    for key in sorted([*storage.keys("originals"), *storage.keys("renditions")]):
        path = storage.path(key)
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # replaced or removed while we looked
        if key in referenced or key in claimed or stat.st_mtime > cutoff:
            continue
        finding = _finding("orphan_file", key, f"{stat.st_size} bytes")
        out.append(finding)
        if repair:
            target = Path(storage.root) / "quarantine" / stamp / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            finding.repaired, finding.action = True, f"moved to quarantine/{stamp}/"
    return out


def file_stores(_app, **_kwargs):
    """Receiver of :data:`lms.signals.file_stores`: originals and renditions under ``MEDIA_ROOT``."""
    if not _loaded():
        return None
    return [
        FileStore("media", Path(services.get_storage().root), lambda conn: sorted(_referenced_keys(conn)))
    ]


def counts_by_status() -> dict[str, int]:
    """How many uploads are in each state (for the crash and backup reports)."""
    counts: dict[str, int] = defaultdict(int)
    for (status,) in db.session.execute(select(MediaFile.status)):
        counts[status.value] += 1
    return dict(counts)
