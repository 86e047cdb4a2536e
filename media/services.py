"""Registering uploads, processing them into renditions, and who may see them.

Processing runs in the worker (``media.process_upload``) in two steps, each
committed by the task: :func:`start_processing` marks the upload as being
worked on (so every screen shows it), :func:`process_media` checks it against
its brief and writes the renditions.  Each rendition has a fixed key per
upload and role and is written atomically, so running the job again — after a
crash, a retry or ``lms media reprocess`` — replaces the same files and rows
and never adds duplicates.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, cast

import av
import av.error
from flask import current_app
from PIL import Image
from sqlalchemy import ARRAY, Integer, any_, func, literal, select, union

from lms.db import utcnow
from lms.extensions import db
from lms.faults import crash_point
from lms.jobs import enqueue
from lms.users.models import Role, User
from media import signals
from media.errors import MediaError
from media.ffmpeg import FFmpegError
from media.models import MediaFile, MediaStatus, Rendition
from media.preview import make_preview, needs_transcode, remux_copy
from media.probe import MediaInfo, av_message
from media.sandbox import run_bounded
from media.signals import UploadTarget
from media.similarity import SIMILAR_DISTANCE, image_hash, probes, similar, video_hash
from media.storage import LocalStorage, Storage, Stored, original_key, rendition_key
from media.thumbnails import image_thumbnail, poster_at, smart_poster, sprite_sheet
from media.tus import TusError, TusStore, Upload
from media.validation import NO_PICTURE, DeliverableSpec, validate

log = logging.getLogger(__name__)

POSTER_WIDTH = 640
DISPLAY_SIZE = (1600, 1600)
SPRITE_TILE_WIDTH = 160


class TransientError(RuntimeError):
    """Processing could not run for a reason that may pass (storage unavailable); retry later."""


def get_storage() -> Storage:
    """The application's storage (one instance per app)."""
    ext = current_app.extensions["media"]
    if "storage" not in ext:
        ext["storage"] = LocalStorage(current_app.config["MEDIA_ROOT"])
    return ext["storage"]


def clean_filename(name: str | None) -> str:
    """The last path part of a browser-sent name, without control characters (for display only)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[-200:] or "upload"


def register_upload(
    owner: User,
    stream: BinaryIO,
    *,
    filename: str | None,
    declared_type: str | None = "",
    spec: dict | DeliverableSpec | None = None,
    max_bytes: int | None = None,
) -> MediaFile:
    """Store *stream* and register it for processing.

    :param spec: the brief to check against (dict or spec); invalid specs raise ValueError.
    :param max_bytes: refuse the stream past this many bytes (:class:`media.storage.TooLarge`).
    """
    spec = spec if isinstance(spec, DeliverableSpec) else DeliverableSpec.from_dict(spec)
    if spec.max_size_bytes is not None:
        max_bytes = min(max_bytes, spec.max_size_bytes) if max_bytes else spec.max_size_bytes
    stored = get_storage().save_stream(stream, max_bytes=max_bytes)
    return register_stored(owner, stored, filename=filename, declared_type=declared_type, spec=spec)


def register_stored(
    owner: User,
    stored: Stored,
    *,
    filename: str | None,
    declared_type: str | None = "",
    spec: DeliverableSpec | None = None,
) -> MediaFile:
    """Register a file already placed in storage (e.g. a finished resumable upload) and queue its checks."""
    from media.tasks import process_upload

    media = MediaFile(
        owner=owner,
        sha256=stored.sha256,
        size_bytes=stored.size,
        storage_key=stored.key,
        original_name=clean_filename(filename),
        declared_type=(declared_type or "")[:120],
        spec=(spec or DeliverableSpec()).to_dict(),
        status=MediaStatus.PENDING,
        problems=[],
        info={},
    )
    db.session.add(media)
    db.session.flush()
    log.info("media %s registered: %s bytes from user %s", media.id, stored.size, owner.id)
    signals.media_registered.send(media)
    enqueue(process_upload, media.id)
    return media


def start_processing(media_id: int) -> MediaFile | None:
    """Mark an upload as being processed; None when it is gone or already has an outcome.

    A redelivered job for a finished upload therefore does nothing; one for an
    upload left ``processing`` by a killed worker starts over.
    """
    media = db.session.get(MediaFile, media_id)
    if media is None or media.status.done:
        return None
    media.status = MediaStatus.PROCESSING
    media.attempts += 1
    media.error = None
    db.session.flush()
    return media


def process_media(media: MediaFile) -> MediaFile:
    """Check *media* against its brief, make its renditions and record the outcome.

    :raises TransientError: the original is not readable right now (retry).
    """
    crash_point("media.started")
    storage = get_storage()
    src = storage.path(media.storage_key)
    if not src.is_file():
        raise TransientError(f"original {media.storage_key} is missing")
    report = validate(src, DeliverableSpec.from_dict(media.spec), memory_limit=_memory_limit())
    media.kind = report.kind
    media.info = _jsonable(report.info)
    problems = [p.to_dict() for p in report.problems]
    made: set[str] = set()
    if report.media is not None and not NO_PICTURE & set(report.codes):
        try:
            made = _make_renditions(media, src, report.media, full=report.ok)
        except MediaError as exc:
            # The checks passed but a frame could not be decoded: the file is damaged after all.
            problems.append({"code": exc.code, "params": _jsonable({**exc.params, "detail": exc.detail})})
        except av.error.FFmpegError as exc:
            # PyAV's errors are OSErrors, which the job retries as a passing fault; but with the original
            # still in place, a decoder or seek error (EPERM, EINVAL) is the file's own: a retry repeats it.
            if not src.is_file():
                raise TransientError(f"original {media.storage_key} went missing") from exc
            problems.append({"code": "corrupt", "params": {"detail": av_message(exc)}})
        except FFmpegError as exc:
            return _fail(media, f"ffmpeg: {exc} {exc.stderr[-500:]}")
    crash_point("media.rendered")  # renditions written, their rows not yet committed
    _drop_renditions(media, keep=made)
    media.problems = problems
    media.status = MediaStatus.READY if not problems else MediaStatus.REJECTED
    media.processed_at = utcnow()
    media.version += 1
    db.session.flush()
    log.info("media %s %s (%s)", media.id, media.status.value, ", ".join(p["code"] for p in problems) or "ok")
    signals.media_processed.send(media)
    return media


def fail_media(media_id: int, error: str) -> MediaFile | None:
    """Record that processing gave up (after retries); the owner is told to try again or ask for help."""
    media = db.session.get(MediaFile, media_id)
    return None if media is None else _fail(media, error)


def _fail(media: MediaFile, error: str) -> MediaFile:
    media.status = MediaStatus.FAILED
    media.error = error[:4000]
    media.processed_at = utcnow()
    db.session.flush()
    log.error("media %s failed: %s", media.id, error)
    signals.media_processed.send(media)
    return media


def _make_renditions(media: MediaFile, src: Path, info: MediaInfo, *, full: bool) -> set[str]:
    """Write the poster (always) and, for accepted files, the rest; returns the roles made."""
    made: set[str] = set()
    if info.kind == "image":
        with _rendering(".jpg") as tmp:
            thumb = _bounded(image_thumbnail, src, tmp, info=info, size=(POSTER_WIDTH, POSTER_WIDTH))
            media.phash = _hash_file(tmp)
            made.add(_put(media, "poster", tmp, "jpg", "image/jpeg", thumb.width, thumb.height))
        if full:
            with _rendering(".jpg") as tmp:
                big = _bounded(image_thumbnail, src, tmp, info=info, size=DISPLAY_SIZE)
                made.add(_put(media, "display", tmp, "jpg", "image/jpeg", big.width, big.height))
        return made
    if info.kind != "video" or not info.has_video:
        return made
    media.phash = _bounded(video_hash, src, info)
    with _rendering(".jpg") as tmp:
        if media.poster_chosen and media.poster_time is not None:
            poster = _bounded(poster_at, src, tmp, media.poster_time, info=info, width=POSTER_WIDTH)
        else:
            poster = _bounded(smart_poster, src, tmp, info=info, width=POSTER_WIDTH)
            media.poster_time = poster.time
        made.add(_put(media, "poster", tmp, "jpg", "image/jpeg", poster.width, poster.height))
    if not full:
        return made
    if info.duration:
        with _rendering(".jpg") as tmp:
            sheet = _bounded(
                sprite_sheet, src, tmp, info=info, image_url="sprite.jpg", tile_width=SPRITE_TILE_WIDTH
            )
            made.add(
                _put(
                    media,
                    "sprite",
                    tmp,
                    "jpg",
                    "image/jpeg",
                    sheet.columns * sheet.tile_width,
                    sheet.rows * sheet.tile_height,
                )
            )
        with _rendering(".vtt") as tmp:
            tmp.write_text(sheet.vtt, encoding="utf-8")
            made.add(_put(media, "vtt", tmp, "vtt", "text/vtt"))
    if needs_transcode(info):  # WebM too: many phones play only H.264/AAC
        with _rendering(".mp4") as tmp:
            result = make_preview(src, tmp, info=info)
            made.add(_put(media, "preview", tmp, "mp4", "video/mp4", result.width, result.height))
    else:  # an MP4 every browser plays: its streams are copied, not decoded
        with _rendering(".mp4") as tmp:
            result = remux_copy(src, tmp, info=info)
            made.add(_put(media, "preview", tmp, "mp4", "video/mp4", result.width, result.height))
    return made


def _memory_limit() -> int | None:
    """``MEDIA_MEMORY_LIMIT_MIB`` in bytes (None: unbounded)."""
    mib = current_app.config.get("MEDIA_MEMORY_LIMIT_MIB")
    return int(mib * 1024**2) if mib else None


def _bounded(function, *args, **kwargs):
    """*function* run in a child whose memory is capped (:func:`media.sandbox.run_bounded`): a file whose
    decoding needs more is refused with ``too_much_memory`` (a :class:`MediaError`), not a crashed worker."""
    return run_bounded(function, *args, limit=_memory_limit(), warm_up=_load_hashing, **kwargs)


def _load_hashing() -> None:
    """Load the perceptual hash's libraries (SciPy) in the worker, once, not in every capped child."""
    image_hash(Image.new("RGB", (32, 32)))


class _rendering:
    """A temporary file in storage's ``tmp/`` that is removed unless it was moved into place."""

    def __init__(self, suffix: str):
        self.path = get_storage().new_tmp(suffix)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _put(
    media: MediaFile,
    role: str,
    tmp: Path,
    ext: str,
    content_type: str,
    width: int | None = None,
    height: int | None = None,
) -> str:
    key = rendition_key(media.id, role, ext)
    size = get_storage().put(tmp, key)
    rendition = media.rendition(role)
    if rendition is None:
        rendition = Rendition(role=role)
        media.renditions.append(rendition)
    elif rendition.storage_key != key:
        get_storage().delete(rendition.storage_key)
    rendition.storage_key, rendition.content_type, rendition.size_bytes = key, content_type, size
    rendition.width, rendition.height, rendition.created_at = width, height, utcnow()
    return role


def _drop_renditions(media: MediaFile, keep: set[str]) -> None:
    for rendition in [r for r in media.renditions if r.role not in keep]:
        get_storage().delete(rendition.storage_key)
        media.renditions.remove(rendition)


def _hash_file(path: Path) -> str:
    with Image.open(path) as image:
        return image_hash(image)


def _jsonable(value):
    """Probe facts as plain JSON types (tuples and floats from PyAV included)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def set_poster(media: MediaFile, seconds: float | None) -> MediaFile:
    """Show the frame at *seconds* as the poster (None: back to the automatic choice).

    :raises MediaError: the video has no frame there or is not ready.
    """
    if media.status is not MediaStatus.READY or media.kind != "video":
        raise MediaError("not_ready")
    storage = get_storage()
    src = storage.path(media.storage_key)
    with _rendering(".jpg") as tmp:
        if seconds is None:
            poster = smart_poster(src, tmp, width=POSTER_WIDTH)
        else:
            poster = poster_at(src, tmp, float(seconds), width=POSTER_WIDTH)
        _put(media, "poster", tmp, "jpg", "image/jpeg", poster.width, poster.height)
    media.poster_time, media.poster_chosen = poster.time, seconds is not None
    media.version += 1
    db.session.flush()
    log.info("media %s poster set to %s", media.id, poster.time)
    return media


def request_reprocess(media: MediaFile) -> None:
    """Run the checks and renditions again (e.g. after an upgrade of the media tools)."""
    from media.tasks import process_upload

    media.status = MediaStatus.PENDING
    db.session.flush()
    enqueue(process_upload, media.id)


def requeue_stalled(
    older_than: timedelta = timedelta(minutes=30), processing_older_than: timedelta | None = None
) -> list[int]:
    """Queue again uploads left pending or processing for longer than *older_than*.

    Late acknowledgement already redelivers a killed worker's job on Redis;
    this sweep (run when a worker starts, by the beat and by ``lms media
    requeue-stalled``) covers brokers that lose unacknowledged messages and a
    process killed between its commit and the queueing.

    :param processing_older_than: a longer wait for uploads being processed (the beat passes the job's
        hard time limit, so that a long job still running elsewhere is not started twice).
    """
    from media.tasks import process_upload

    now = utcnow()
    busy_cutoff = now - (processing_older_than or older_than)
    ids = db.session.scalars(
        select(MediaFile.id)
        .where(
            ((MediaFile.status == MediaStatus.PENDING) & (MediaFile.created_at < now - older_than))
            | ((MediaFile.status == MediaStatus.PROCESSING) & (MediaFile.created_at < busy_cutoff))
        )
        .order_by(MediaFile.id)
    ).all()
    for media_id in ids:
        enqueue(process_upload, media_id)
    return list(ids)


def can_view(user: User, media: MediaFile) -> bool:
    """The owner and admins may see an upload; plugins may allow others through
    :data:`signals.media_access`."""
    if not user.is_authenticated:
        return False
    if user.id == media.owner_id or user.role is Role.ADMIN:
        return True
    return any(result is True for _receiver, result in signals.media_access.send(user, media=media))


#: A near-duplicate lookup reads at most this many candidate rows, the newest first.  Random hashes give
#: about 1,900 among a million (a part matches 1,794 of 2^22 or 1,562 of 2^21 values); real pictures cluster
#: (black frames, one test pattern): past this cap the oldest candidates are not compared (a warning says so).
SIMILAR_CANDIDATES = 20_000
#: :func:`similar_uploads` loads at most this many matches, the closest (a black frame matches thousands).
SIMILAR_SHOWN = 50


def near_hashes(
    phash: str,
    *,
    owner_id: int | None = None,
    media_id: int | None = None,
    max_distance: int = SIMILAR_DISTANCE,
    limit: int = SIMILAR_CANDIDATES,
) -> tuple[list[tuple[int, int]], bool]:
    """``(upload id, distance)`` for every upload whose hash is within *max_distance* of *phash* (other owners
    than *owner_id*, not *media_id*), closest first, and whether more than *limit* candidates were found.

    Every upload, across projects, cohorts and years: the indexed hash parts (``phash_p0``..``phash_p2``,
    multi-index hashing, see :mod:`media.similarity`) find candidates, the exact distance keeps the true ones.
    """
    columns = (MediaFile.phash_p0, MediaFile.phash_p1, MediaFile.phash_p2)
    others = [MediaFile.owner_id != owner_id] if owner_id is not None else []
    # One SELECT per part, each read from its covering index (part, phash, owner_id, id) alone; UNION, as a
    # hash near in several parts is read once per part.
    dialect = db.session.get_bind().dialect.name
    query = union(
        *(
            select(MediaFile.id, MediaFile.phash).where(_one_of(column, values, dialect), *others)
            for column, values in zip(columns, probes(phash, max_distance), strict=True)
        )
    )
    rows = db.session.execute(query.order_by(query.selected_columns.id.desc()).limit(limit + 1)).all()
    target = int(phash, 16)
    near = {i: (target ^ int(h, 16)).bit_count() for i, h in rows[:limit] if h and i != media_id}
    found = [(i, d) for i, d in near.items() if d <= max_distance]
    return sorted(found, key=lambda pair: (pair[1], -pair[0])), len(rows) > limit


def _one_of(column, values: list[int], dialect: str):
    """``column IN (values)`` with the values as one parameter: binding 4,918 values one by one cost more
    than the lookup (a PostgreSQL array; a JSON array SQLite's ``json_each`` reads elsewhere)."""
    if dialect == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))
    listed = func.json_each(literal(json.dumps(values))).table_valued("value")
    return column.in_(select(listed.c.value))


def similar_uploads(
    media: MediaFile, among: list[MediaFile] | None = None, *, limit: int = SIMILAR_SHOWN
) -> list[tuple[MediaFile, int]]:
    """Uploads of other owners whose pictures look like *media*'s, closest first: those in *among*, or,
    without it, the *limit* closest of every upload anywhere (:func:`near_hashes`)."""
    if not media.phash:
        return []
    if among is not None:
        others = [
            (m, m.phash) for m in among if m.id != media.id and m.owner_id != media.owner_id and m.phash
        ]
        return similar(media.phash, others)
    found, capped = near_hashes(media.phash, owner_id=media.owner_id, media_id=media.id)
    if capped:
        log.warning(
            "media %s: over %s near-duplicate candidates, the oldest not compared",
            media.id,
            SIMILAR_CANDIDATES,
        )
    found = found[:limit]
    files = {
        m.id: m for m in db.session.scalars(select(MediaFile).where(MediaFile.id.in_([i for i, _d in found])))
    }
    return [(files[i], d) for i, d in found if i in files]


def uploads_of(user: User, limit: int = 50) -> list[MediaFile]:
    """The user's own uploads, newest first."""
    return list(db.session.scalars(uploads_query(user).limit(limit)))


def uploads_query(user: User):
    """A ``select`` of the user's own uploads, newest first (to paginate)."""
    return (
        select(MediaFile)
        .where(MediaFile.owner_id == user.id)
        .order_by(MediaFile.created_at.desc(), MediaFile.id.desc())
    )


# Resumable uploads (tus). The protocol is media.tus; the functions below decide what an upload is for, check
# its limits before any byte arrives, and finish it into storage exactly once.

#: ``<owner>:<reference>``, e.g. ``check:video_hd`` or ``deliverable:12``.
UPLOAD_CONTEXT = re.compile(r"^[a-z][a-z0-9_]{0,30}:[A-Za-z0-9_.\-]{1,100}$")


class UploadRefused(Exception):
    """An upload was refused before any byte was stored.

    ``code`` is ``bad_context`` (malformed), ``forbidden`` (no plugin owns the
    context, or its owner said no), ``too_large`` or ``over_quota``; ``params``
    hold ``measured`` and ``limit`` (and ``used`` for the quota) in bytes.
    """

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def get_upload_store() -> TusStore:
    """Uploads in progress, under ``<MEDIA_ROOT>/tus`` so that finishing one is a rename, not a copy."""
    ext = current_app.extensions["media"]
    if "tus" not in ext:
        # Finishing an upload is a rename into storage, so the storage is the local one and has a root.
        storage = cast(LocalStorage, get_storage())
        ext["tus"] = TusStore(
            Path(storage.root) / "tus",
            expiry_seconds=current_app.config["MEDIA_UPLOAD_EXPIRY_HOURS"] * 3600,
        )
    return ext["tus"]


def upload_target(user: User, context: str) -> UploadTarget:
    """What an upload with *context* is for, asked of the plugins through :data:`signals.upload_requested`.

    :raises UploadRefused: ``bad_context`` or ``forbidden``.
    """
    if not UPLOAD_CONTEXT.match(context or ""):
        raise UploadRefused("bad_context")
    try:
        answers = signals.upload_requested.send(user, context=context)
    except PermissionError:
        raise UploadRefused("forbidden") from None
    target = next((answer for _receiver, answer in answers if isinstance(answer, UploadTarget)), None)
    if target is None:
        raise UploadRefused("forbidden")
    return target


def storage_used(user: User) -> int:
    """Bytes counted against the user's quota: their files plus the uploads they have started."""
    # coalesce(..., 0): the sum is never NULL, even for a user without files (int() takes a Decimal sum too).
    stored = cast(
        int,
        db.session.scalar(
            select(func.coalesce(func.sum(MediaFile.size_bytes), 0)).where(MediaFile.owner_id == user.id)
        ),
    )
    return int(stored) + get_upload_store().pending_bytes(user.id)


def start_upload(owner: User, length: int, metadata: dict[str, str]) -> Upload:
    """Open a resumable upload of *length* bytes, once its context and every limit allow it.

    The limits are the target's ``max_bytes``, its brief's ``max_size_bytes``,
    ``MEDIA_UPLOAD_MAX_BYTES`` and the owner's ``MEDIA_QUOTA_BYTES``; they are
    checked here, before the client sends anything.

    :param metadata: the client's ``Upload-Metadata`` (``filename``, ``filetype``, ``context``).
    :raises UploadRefused: see its codes.
    """
    context = metadata.get("context", "")
    target = upload_target(owner, context)
    spec = DeliverableSpec.from_dict(target.spec)
    limits = (target.max_bytes, spec.max_size_bytes, current_app.config["MEDIA_UPLOAD_MAX_BYTES"])
    limit = min(v for v in limits if v is not None)
    if length > limit:
        raise UploadRefused("too_large", measured=length, limit=limit)
    quota = current_app.config["MEDIA_QUOTA_BYTES"]
    store = get_upload_store()
    # One creation per owner at a time, across processes: two parallel creations each checking the quota
    # before either is recorded would together go past it.
    with _owner_lock(store, owner.id):
        if quota is not None:
            used = storage_used(owner)
            if used + length > quota:
                raise UploadRefused("over_quota", measured=length, limit=quota, used=used)
        upload = store.create(length, metadata, owner.id, context, spec=spec.to_dict())
    log.info("upload %s started: %s bytes for %s from user %s", upload.id, length, context, owner.id)
    return upload


@contextlib.contextmanager
def _owner_lock(store: TusStore, owner_id: int):
    # Beside the tus folder, not in it: the lock files last (unlinking a lock others may wait on would let two
    # holders in), and the tus folder holds only uploads, which the purge and `lms check` account for.
    folder = store.root.parent / "locks"
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / f"quota-{int(owner_id)}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def finish_upload(owner: User, upload_id: str) -> MediaFile:
    """Move a complete upload into storage, register it and send :data:`signals.upload_completed`, once.

    Each step leaves a mark in the upload's record before the next begins, so a
    final PATCH or HEAD retried after a crash takes up where the last attempt
    stopped: the SHA-256 is recorded before the file leaves ``.part`` (so it
    can be found in storage afterwards), and the new row's id before the
    caller commits (a row with that id, owner and content means the commit
    went through; no such row means it did not, and registering again is right).

    :raises media.tus.TusError: 423 while another request finishes it, 409 when it is not complete.
    """
    store = get_upload_store()
    media = _registered(store.info(upload_id))
    if media is not None:
        return media  # answered before: no lock needed to say so again
    with store.lock(upload_id):
        upload = store.info(upload_id)
        media = _registered(upload)
        if media is not None:
            return media
        if not upload.complete:
            raise TusError(409, "incomplete", f"{upload.offset} of {upload.length} bytes")
        storage = get_storage()
        sha256 = upload.sha256
        if sha256 is None:
            sha256 = store.content_sha256(upload)  # usually computed while the parts were written
            upload = store.mark(upload_id, sha256=sha256)
            crash_point("upload.hashed")
        if store.part_path(upload_id).exists():
            stored = storage.adopt(store.part_path(upload_id), sha256, upload.length)
        elif storage.exists(original_key(sha256)):
            stored = Stored(original_key(sha256), sha256, upload.length)  # moved before a crash
        else:
            raise TransientError(f"upload {upload_id}: its bytes are neither in the upload nor in storage")
        crash_point("upload.stored")
        media = register_stored(
            owner,
            stored,
            filename=upload.metadata.get("filename"),
            declared_type=upload.metadata.get("filetype"),
            spec=DeliverableSpec.from_dict(upload.spec),
        )
        crash_point("upload.registered")
        store.mark(upload_id, media_id=media.id)
        signals.upload_completed.send(media, context=upload.context, user=owner)
        crash_point("upload.attached")
        return media


def _registered(upload: Upload) -> MediaFile | None:
    """The row a previous attempt registered for *upload*, if its transaction was committed."""
    if upload.media_id is None:
        return None
    media = db.session.get(MediaFile, upload.media_id)
    # SQLite may hand a rolled-back id to the next row: it must be this owner's upload of these bytes.
    if media is None or (media.owner_id, media.sha256, media.size_bytes) != (
        upload.owner_id,
        upload.sha256,
        upload.length,
    ):
        return None
    return media


def cancel_upload(upload_id: str) -> None:
    """Forget an upload and the bytes received so far (a finished upload's file stays registered)."""
    get_upload_store().terminate(upload_id)
    log.info("upload %s cancelled", upload_id)


def purge_uploads(now: float | None = None) -> tuple[list[str], int]:
    """Delete expired resumable uploads and stale temporary files; returns (upload ids, temporary files)."""
    removed = get_upload_store().purge_expired(now)
    stale = get_storage().purge_tmp()
    if removed or stale:
        log.info("purged %s expired upload(s) and %s temporary file(s)", len(removed), stale)
    return removed, stale
