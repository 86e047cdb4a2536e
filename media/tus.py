"""Resumable uploads (tus 1.0 core, creation, termination, checksum): the upload store, without HTTP.

Each upload is a pair of files in one folder: ``<id>.part`` holds the bytes
received so far and ``<id>.info`` a small JSON record (length, offset,
metadata, owner, context, timestamps, and the marks the finishing step
leaves).  ``<id>.lock`` serialises the writers of one upload across processes
(two web workers may receive a retried PATCH while the first still runs).

The record is replaced atomically (temporary file, fsync, rename), so a reader
sees the old or the new one, never half of it.  Bodies are read into a few
reused 1 MiB buffers and written from them, hashed on a second thread: an
upload of any size needs the same small amount of memory, and no byte is
copied in Python on the way.

The module imports neither Flask nor the database; the web faces translate
:class:`TusError` into responses and :mod:`media.services` finishes uploads.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from media.storage import BackgroundHash, HashBehind, read_into, start_writeback

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "EXTENSIONS",
    "TUS_VERSION",
    "TusError",
    "TusStore",
    "Upload",
    "format_metadata",
    "parse_checksum",
    "parse_metadata",
]

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "termination", "checksum", "expiration")
#: ``Upload-Checksum`` algorithms, as the tus checksum extension names them.
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
CHUNK = 1024 * 1024
#: How many written bytes a body lets pile up before it tells the disk to start writing them.
WRITEBACK_STEP = 32 * CHUNK
#: How many uploads' running SHA-256 one process keeps (a few hundred bytes each).
MAX_RUNNING_DIGESTS = 256
#: 460 is the status the checksum extension defines for a body that does not match its checksum.
CHECKSUM_MISMATCH = 460
#: Ids come from ``secrets.token_urlsafe`` (192 bits); nothing else may reach a path.
_ID = re.compile(r"^[A-Za-z0-9_-]{32,86}$")
_METADATA_KEY = re.compile(r"^[!-+\--~]+$")  # printable ASCII without space and comma
MAX_METADATA_CHARS = 8192


class TusError(Exception):
    """The protocol refuses a request; ``status`` is the HTTP status the tus specification asks for.

    ``code`` names the reason for the caller's messages (``not_found``,
    ``offset_mismatch``, ``beyond_length``, ``checksum_mismatch``, ``locked``,
    ``bad_metadata``, ``bad_checksum``, ``incomplete``, ``content_type``).
    """

    def __init__(self, status: int, code: str, detail: str = ""):
        super().__init__(f"{status} {code}: {detail}" if detail else f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Upload:
    """What the store knows about one upload (the ``.info`` record)."""

    id: str
    length: int
    offset: int
    owner_id: int
    context: str
    created: float
    expires: float
    metadata: dict[str, str] = field(default_factory=dict)
    #: The brief chosen when the upload was created (the limits were checked against it).
    spec: dict = field(default_factory=dict)
    #: Set by the finishing step before the file leaves ``.part``: where its content will be found.
    sha256: str | None = None
    #: Set by the finishing step once the upload is registered (see :func:`media.services.finish_upload`).
    media_id: int | None = None

    @property
    def complete(self) -> bool:
        """Every byte has arrived."""
        return self.offset == self.length

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Upload:
        data = json.loads(text)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class TusStore:
    """Uploads in progress under one folder (on the same file system as the storage they end in)."""

    def __init__(self, root: str | os.PathLike[str], expiry_seconds: float = 24 * 3600):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.expiry_seconds = expiry_seconds
        #: Running SHA-256 of uploads this process is writing: id -> (bytes hashed, digest).  Only
        #: consecutive parts written here extend one; anything else starts over (see :meth:`content_sha256`).
        self._content: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._content_lock = threading.Lock()

    def create(
        self,
        length: int,
        metadata: dict[str, str],
        owner_id: int,
        context: str,
        *,
        spec: dict | None = None,
        now: float | None = None,
    ) -> Upload:
        """Start an upload of *length* bytes; the caller has already checked every limit."""
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ValueError(f"length must be a whole number of bytes, got {length!r}")
        now = time.time() if now is None else now
        upload_id = secrets.token_urlsafe(24)
        # The part file exists before the record, so a record never points at nothing.
        with open(self._path(upload_id, ".part"), "xb"):
            pass
        upload = Upload(
            id=upload_id,
            length=length,
            offset=0,
            owner_id=owner_id,
            context=context,
            created=now,
            expires=now + self.expiry_seconds,
            metadata=dict(metadata),
            spec=dict(spec or {}),
        )
        self._write(upload)
        return upload

    def info(self, upload_id: str) -> Upload:
        """The upload's record; :class:`TusError` 404 when there is none (or the id is not one of ours).

        The offset is never more than the part file holds: after a power cut the
        record may be newer than the data, and the client resends the difference.
        """
        path = self._path(upload_id, ".info")
        try:
            upload = Upload.from_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TusError(404, "not_found") from None
        except (ValueError, TypeError) as exc:
            raise TusError(404, "not_found", f"unreadable record: {exc}") from None
        if upload.sha256 is None:
            try:
                size = self._path(upload_id, ".part").stat().st_size
            except FileNotFoundError:
                size = 0
            if size < upload.offset:
                upload = replace(upload, offset=size)
        return upload

    def append(
        self,
        upload_id: str,
        offset: int,
        stream: BinaryIO,
        checksum: tuple[str, bytes] | None = None,
        *,
        now: float | None = None,
    ) -> Upload:
        """Write *stream* at *offset* and return the updated record.

        :param checksum: ``(algorithm, digest)`` of this body (:func:`parse_checksum`); on a
            mismatch nothing of the body is kept.
        :raises TusError: 409 when *offset* is not the upload's offset, 413 past the upload's
            length, 460 on a checksum mismatch, 423 while another request writes to it.

        A body cut short (the client went away) keeps what arrived, unless it
        carried a checksum; the stream's exception is then raised again.

        The body is read into reused buffers and written from them with
        ``os.pwrite``; the SHA-256 of the content is carried along (on a
        second thread) while this process writes consecutive parts (see
        :meth:`content_sha256`).
        """
        with self.lock(upload_id):
            upload = self.info(upload_id)
            if offset != upload.offset:
                raise TusError(409, "offset_mismatch", f"offset is {upload.offset}, not {offset}")
            if upload.sha256 is not None:
                return upload  # complete and being finished: nothing more to write
            content = self._take_content_digest(upload_id, offset)
            saved = content.copy() if content is not None else None
            # Open to read too: a spliced body is hashed from the file.
            fd = os.open(self._path(upload_id, ".part"), os.O_RDWR)
            try:
                # Bytes past the recorded offset were never acknowledged: drop them.
                os.ftruncate(fd, offset)
                body = _Body(fd, offset, upload.length - offset, checksum, content)
                try:
                    body.copy_from(stream)
                except TusError:
                    os.ftruncate(fd, offset)
                    self._keep_content_digest(upload_id, offset, saved)
                    raise
                except Exception:
                    # The connection broke: keep what arrived, unless it cannot be verified.
                    if checksum is not None:
                        os.ftruncate(fd, offset)
                        self._keep_content_digest(upload_id, offset, saved)
                    else:
                        self._advance(upload, body, now)
                    raise
                if offset + body.written == upload.length:
                    # The finishing step moves this file into storage: it must be on disk first.
                    os.fsync(fd)
            finally:
                os.close(fd)
            return self._advance(upload, body, now)

    def content_sha256(self, upload: Upload) -> str:
        """The SHA-256 (hex) of the complete upload's bytes; hold :meth:`lock`.

        When this process wrote every part in order (one client connection
        usually lands on one web worker), the digest was computed while the
        bytes were written; otherwise the part file is read once.
        """
        with self._content_lock:
            entry = self._content.pop(upload.id, None)
        if entry is not None and entry[0] == upload.length:
            return entry[1].hexdigest()
        with open(self.part_path(upload.id), "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    def mark(self, upload_id: str, **changes) -> Upload:
        """Record the finishing step's progress (``sha256``, ``media_id``) durably; hold :meth:`lock`."""
        upload = replace(self.info(upload_id), **changes)
        self._write(upload)
        return upload

    def terminate(self, upload_id: str) -> None:
        """Forget the upload and its bytes (the termination extension)."""
        with self.lock(upload_id):
            self.info(upload_id)
            with self._content_lock:
                self._content.pop(upload_id, None)
            self._remove(upload_id)

    def purge_expired(self, now: float | None = None) -> list[str]:
        """Remove uploads whose expiry has passed (abandoned, or finished long ago); returns their ids.

        Uploads being written to right now are left for the next purge, and so are
        files of uploads whose record is not yet written (a creation in progress).
        """
        now = time.time() if now is None else now
        removed = []
        for path in list(self.root.iterdir()):
            upload_id, _dot, suffix = path.name.partition(".")
            if not _ID.match(upload_id):
                if path.name.startswith(".") and path.name.endswith(".tmp") and self._older(path, now):
                    path.unlink(missing_ok=True)  # a record write that crashed
                continue
            if suffix != "info":
                # Left by a crashed creation or removal: without a record nobody can write to it.
                if not self._path(upload_id, ".info").exists() and self._older(path, now):
                    path.unlink(missing_ok=True)
                continue
            try:
                expired = self.info(upload_id).expires < now
            except TusError:
                expired = self._older(path, now)
            if expired:
                try:
                    with self.lock(upload_id):
                        self._remove(upload_id)
                except TusError:
                    continue
                removed.append(upload_id)
        return sorted(removed)

    def uploads(self) -> Iterator[Upload]:
        """Every readable record."""
        for path in self.root.glob("*.info"):
            with contextlib.suppress(TusError):
                yield self.info(path.name[: -len(".info")])

    def pending_bytes(self, owner_id: int, now: float | None = None) -> int:
        """The lengths of *owner_id*'s unfinished, unexpired uploads (they count towards the quota)."""
        now = time.time() if now is None else now
        return sum(
            u.length
            for u in self.uploads()
            if u.owner_id == owner_id and u.media_id is None and u.expires >= now
        )

    def part_path(self, upload_id: str) -> Path:
        """Where the bytes of the upload are (until the finishing step moves them)."""
        return self._path(upload_id, ".part")

    @contextlib.contextmanager
    def lock(self, upload_id: str) -> Iterator[None]:
        """Hold the upload's lock; :class:`TusError` 423 while another request holds it, 404 if no upload."""
        if not self._path(upload_id, ".info").exists():
            raise TusError(404, "not_found")  # no lock files for ids nobody created
        fd = os.open(self._path(upload_id, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TusError(423, "locked") from None
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _advance(self, upload: Upload, body: _Body, now: float | None) -> Upload:
        """Record what *body* wrote (durably) and keep its running digest for the next part."""
        upload = replace(upload, offset=upload.offset + body.written, expires=self._expiry(now))
        self._write(upload)
        self._keep_content_digest(upload.id, upload.offset, body.content)
        return upload

    def _take_content_digest(self, upload_id: str, offset: int) -> Any:
        """The running SHA-256 of the upload's first *offset* bytes, or None when this process lacks it."""
        with self._content_lock:
            entry = self._content.pop(upload_id, None)
        if offset == 0:
            return hashlib.sha256()
        # Another offset means another process wrote in between (or the part lost bytes): start over.
        return entry[1] if entry is not None and entry[0] == offset else None

    def _keep_content_digest(self, upload_id: str, offset: int, digest: Any) -> None:
        if digest is None:
            return
        with self._content_lock:
            self._content[upload_id] = (offset, digest)
            while len(self._content) > MAX_RUNNING_DIGESTS:
                self._content.popitem(last=False)  # the oldest: that upload's finish reads its file once

    def _expiry(self, now: float | None) -> float:
        return (time.time() if now is None else now) + self.expiry_seconds

    def _older(self, path: Path, now: float) -> bool:
        try:
            return path.stat().st_mtime < now - self.expiry_seconds
        except FileNotFoundError:
            return False

    def _path(self, upload_id: str, suffix: str) -> Path:
        if not isinstance(upload_id, str) or not _ID.match(upload_id):
            raise TusError(404, "not_found", "not an upload id")
        return self.root / (upload_id + suffix)

    def _write(self, upload: Upload) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{upload.id}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(upload.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path(upload.id, ".info"))
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _remove(self, upload_id: str) -> None:
        for suffix in (".info", ".part", ".lock"):
            self._path(upload_id, suffix).unlink(missing_ok=True)


class _Body:
    """One PATCH body on its way into the part file: checked, hashed and written.

    Two ways in: a body that can put itself into a file (:meth:`lms.serving.SocketBody.splice_into`, what
    ``lms serve`` hands over) goes from the socket to the file inside the kernel and is hashed from the
    file behind it; any other stream is read into reused buffers, written from them and hashed from them.
    Either way the disk starts writing every :data:`WRITEBACK_STEP` bytes behind the body, so the
    ``fsync`` that finishes an upload has little left to do.
    """

    def __init__(
        self,
        fd: int,
        offset: int,
        room: int,
        checksum: tuple[str, bytes] | None,
        content: Any,
    ):
        self.fd = fd
        self.position = offset
        self.length = offset + room
        self.room = room
        self.checksum = checksum
        self.check = hashlib.new(checksum[0]) if checksum else None
        #: The running SHA-256 of the whole upload (None: it is computed when the upload is finished).
        self.content = content
        self.written = 0
        #: Where the disk has been told to start writing up to (:func:`~media.storage.start_writeback`).
        self.flushed = offset

    def copy_from(self, stream: BinaryIO) -> None:
        """Write *stream* out; :class:`TusError` 413 past the room left, 460 on a checksum mismatch.

        The body's checksum and the upload's running SHA-256 are computed on a second thread from the bytes
        already written; a body that fails part-way leaves the running digest covering exactly the bytes
        written.
        """
        splice = getattr(stream, "splice_into", None)
        if splice is not None:
            self._splice_from(splice)
        else:
            self._copy_from(stream)
        if self.check is not None and self.checksum and self.check.digest() != self.checksum[1]:
            raise TusError(CHECKSUM_MISMATCH, "checksum_mismatch")

    def _copy_from(self, stream: BinaryIO) -> None:
        with BackgroundHash(self.check, self.content) as hashing:
            while True:
                buffer = hashing.buffer()
                # One byte more than there is room for tells an oversized body apart.
                n = read_into(stream, buffer[: min(CHUNK, self._room_left() + 1)])
                if not n:
                    hashing.feed(buffer, 0)
                    break
                self._refuse_past_room(n)
                done = 0
                while done < n:
                    done += os.pwrite(self.fd, buffer[done:n], self.position + done)
                # Hashed once written: a failed write never leaves the running digest ahead of the file.
                hashing.feed(buffer, n)
                self._advance(n)
            hashing.finish()

    def _splice_from(self, splice: Any) -> None:
        with HashBehind(self.fd, self.position, self.check, self.content) as hashing:
            while n := splice(self.fd, self.position, min(CHUNK, self._room_left() + 1)):
                self._refuse_past_room(n)  # the extra byte is in the file: the caller truncates it away
                self._advance(n)
                hashing.written(self.position)
            hashing.finish()

    def _room_left(self) -> int:
        return self.room - self.written

    def _refuse_past_room(self, n: int) -> None:
        if self.written + n > self.room:
            raise TusError(413, "beyond_length", f"the upload is {self.length} bytes long")

    def _advance(self, n: int) -> None:
        self.position += n
        self.written += n
        if self.position - self.flushed >= WRITEBACK_STEP:
            start_writeback(self.fd, self.flushed, self.position - self.flushed)
            self.flushed = self.position


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata`` (``key base64value,key2 base64value,flag``) as a dict of text values.

    :raises TusError: 400 for a malformed header, bad base64, values that are not
        UTF-8 text, repeated keys or a header longer than :data:`MAX_METADATA_CHARS`.
    """
    metadata: dict[str, str] = {}
    if not header or not header.strip():
        return metadata
    if len(header) > MAX_METADATA_CHARS:
        raise TusError(400, "bad_metadata", "Upload-Metadata is too long")
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _METADATA_KEY.match(parts[0]) or parts[0] in metadata:
            raise TusError(400, "bad_metadata", f"bad pair {pair.strip()[:40]!r}")
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, "bad_metadata", f"value of {parts[0]!r} is not base64 text") from None
        metadata[parts[0]] = value
    return metadata


def format_metadata(metadata: dict[str, str]) -> str:
    """The inverse of :func:`parse_metadata` (for HEAD responses)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """``Upload-Checksum: <algorithm> <base64 digest>`` as ``(algorithm, digest)``; None when absent.

    :raises TusError: 400 for an algorithm not in :data:`CHECKSUM_ALGORITHMS` or a digest
        that is not base64 of the algorithm's size.
    """
    if header is None:
        return None
    algorithm, _sep, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(400, "bad_checksum", f"unsupported algorithm {algorithm[:20]!r}")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise TusError(400, "bad_checksum", "the digest is not base64") from None
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise TusError(400, "bad_checksum", f"wrong {algorithm} digest size: {len(digest)} bytes")
    return algorithm, digest
