"""Local file storage: content-addressed originals and per-upload renditions.

Every write lands in ``tmp/`` on the same file system first, is fsynced and
then renamed into place, so a crash leaves either the whole file or nothing
under its key (a half-written file only ever sits in ``tmp/``, which
:meth:`LocalStorage.purge_tmp` clears).  Uploads are hashed while they are
copied, in chunks: no file is ever held in memory whole.

Scale-out keeps the same layout on storage every web and worker machine
mounts (NFS or similar); the keys in the database do not change.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

__all__ = [
    "BackgroundHash",
    "HashBehind",
    "LocalStorage",
    "Storage",
    "Stored",
    "TooLarge",
    "original_key",
    "read_into",
    "rendition_key",
    "start_writeback",
]

CHUNK = 1024 * 1024
#: Buffers a :class:`BackgroundHash` cycles through: enough that receiving never waits on a hash that keeps
#: up, few enough that an upload's memory stays a few MiB.
RING = 4
_KEY = re.compile(r"^(originals/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}|renditions/\d+/[a-z]+\.[a-z0-9]+)$")


class TooLarge(ValueError):
    """The stream went past the byte limit; nothing was stored."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Stored:
    """An original placed in storage."""

    key: str
    sha256: str
    size: int


def read_into(stream: BinaryIO, view: memoryview) -> int:
    """Fill *view* from *stream* as far as one read goes; 0 at the end (also used by :mod:`media.tus`)."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(view) or 0
    data = stream.read(len(view))
    view[: len(data)] = data
    return len(data)


class BackgroundHash:
    """Feed received blocks to hash objects on a second thread while the caller receives the next block.

    ``hashlib`` releases the GIL while it hashes a block of more than 2 KiB, so on a machine with two cores
    the SHA-256 of an upload (about 0.8 CPU-seconds per GiB) costs no time on the receiving thread. The
    blocks live in a ring of :data:`RING` buffers of *size* bytes: :meth:`buffer` hands out the next free
    one (waiting while all are queued), :meth:`feed` queues the first *n* bytes of it, :meth:`finish` waits
    until every fed block is hashed. With no hash objects nothing is started and :meth:`buffer` returns the
    same buffer every time. Use it as a context manager so the thread ends even when receiving fails; the
    digests then cover exactly the blocks fed before the failure.
    """

    def __init__(self, *digests: Any, size: int = CHUNK):
        self.digests = [d for d in digests if d is not None]
        self._free: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
        self._work: queue.SimpleQueue[tuple[memoryview, int] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if not self.digests:
            self._only = memoryview(bytearray(size))
            return
        for _ in range(RING):
            self._free.put(memoryview(bytearray(size)))
        self._thread = threading.Thread(target=self._run, name="upload-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            view, n = item
            try:
                if self._error is None:
                    for digest in self.digests:
                        digest.update(view[:n])
            except BaseException as exc:  # noqa: BLE001  (handed to the receiving thread by finish())
                self._error = exc
            self._free.put(view)

    def buffer(self) -> memoryview:
        """A buffer to receive the next block into."""
        return self._free.get() if self._thread is not None else self._only

    def feed(self, view: memoryview, n: int) -> None:
        """Hash the first *n* bytes of *view* (a buffer from :meth:`buffer`; not to be touched until it
        comes back from :meth:`buffer`)."""
        if self._thread is None:
            return
        if n:
            self._work.put((view, n))
        else:
            self._free.put(view)

    def finish(self) -> None:
        """Wait until every fed block is hashed; raise what hashing raised."""
        if self._thread is not None:
            self._work.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def __enter__(self) -> BackgroundHash:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread is not None:
            self._work.put(None)
            self._thread.join()
            self._thread = None


def original_key(sha256: str) -> str:
    """Where the original with this SHA-256 lives (fanned out so no folder grows huge)."""
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def rendition_key(media_id: int, role: str, ext: str) -> str:
    """A rendition's key: fixed per upload and role, so a rerun overwrites instead of adding."""
    return f"renditions/{int(media_id)}/{role}.{ext}"


class Storage(Protocol):
    """What Gongbang asks of file storage; :class:`LocalStorage` is the backend it ships.

    Callers hand files to FFmpeg and to ``send_file`` through :meth:`path`, so
    an object-store backend (S3 and the like) would keep a local copy of each
    object it is asked for there, as CTFd's and Indico's storage layers do.
    """

    def path(self, key: str) -> Path: ...
    def exists(self, key: str) -> bool: ...
    def save_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> Stored: ...
    def adopt(self, tmp_name: str | os.PathLike[str], sha256: str, size: int) -> Stored: ...
    def new_tmp(self, suffix: str = "") -> Path: ...
    def put(self, src: str | os.PathLike[str], key: str) -> int: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str) -> Iterator[str]: ...
    def purge_tmp(self, older_than: float = 24 * 3600) -> int: ...


class HashBehind:
    """Hash what a file gains, reading it back on a second thread while the caller writes the next bytes.

    For bytes that never pass through Python (moved into the file by the kernel, see
    :meth:`lms.serving.SocketBody.splice_into`): the caller writes at *start* onwards and reports how far
    the file is written with :meth:`written`; the thread reads each new stretch from the page cache (the
    bytes were just written, so no disk is touched) and feeds it to the hash objects. :meth:`finish` waits
    until everything reported is hashed and raises what hashing raised. As a context manager it also
    hashes everything reported before it stops when the caller fails, so the digests then cover exactly
    the bytes written and reported. *fd* must be open for reading.
    """

    def __init__(self, fd: int, start: int, *digests: Any, size: int = CHUNK):
        self.digests = [d for d in digests if d is not None]
        self.fd, self.position, self.size = fd, start, size
        self._work: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if self.digests:
            self._thread = threading.Thread(target=self._run, name="upload-hash", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        view = memoryview(bytearray(self.size))
        while (end := self._work.get()) is not None:
            try:
                while self._error is None and self.position < end:
                    n = os.preadv(self.fd, [view[: min(self.size, end - self.position)]], self.position)
                    if not n:
                        raise OSError(f"the file ends at {self.position}, before {end}")
                    for digest in self.digests:
                        digest.update(view[:n])
                    self.position += n
            except BaseException as exc:  # noqa: BLE001  (handed to the writing thread by finish())
                self._error = exc

    def written(self, end: int) -> None:
        """The file now holds the bytes up to *end* (exclusive): hash them."""
        if self._thread is not None:
            self._work.put(end)

    def _stop(self) -> None:
        if self._thread is not None:
            self._work.put(None)
            self._thread.join()
            self._thread = None

    def finish(self) -> None:
        """Wait until every reported byte is hashed; raise what hashing raised."""
        self._stop()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> HashBehind:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()


def _sync_file_range() -> Any:
    """libc's ``sync_file_range`` (Linux), or None where there is none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


_SYNC_FILE_RANGE = _sync_file_range()
#: ``SYNC_FILE_RANGE_WRITE``: start writing the range's dirty pages out, without waiting for them.
_START_WRITE = 2


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Start writing *length* bytes of *fd* at *offset* to disk, without waiting (Linux; a no-op elsewhere).

    A large upload calls this behind itself as it writes, so the disk works while the network does: the
    ``fsync`` that ends the upload then has little left to wait for (measured here: 0.6 s of a 2 GiB
    upload's 1.1 s of writing became 0.01 s). The kernel holds the writer back when the disk falls
    behind, so an upload never gets ahead of the disk by more than the dirty-page limits.
    """
    if _SYNC_FILE_RANGE is not None and length > 0:
        _SYNC_FILE_RANGE(fd, offset, length, _START_WRITE)  # a failure only means fsync does it all later


class LocalStorage:
    """Files under one root folder, addressed by validated keys (implements :class:`Storage`)."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).resolve()
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file behind *key*; keys that are not ours (``../``, absolute) raise ValueError."""
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def save_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> Stored:
        """Copy *stream* into content-addressed storage, hashing as it goes.

        :raises TooLarge: past *max_bytes* (the partial copy is removed).
        """
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            # A few buffers, refilled in place (no fresh 1 MiB object per read, no copy in Python on the way
            # out); the hash runs beside the receiving.
            with BackgroundHash(digest) as hashing:
                try:
                    while True:
                        buffer = hashing.buffer()
                        n = read_into(stream, buffer)
                        if not n:
                            break
                        size += n
                        if max_bytes is not None and size > max_bytes:
                            raise TooLarge(max_bytes)
                        done = 0
                        while done < n:
                            done += os.write(fd, buffer[done:n])
                        hashing.feed(buffer, n)
                    hashing.finish()
                    os.fsync(fd)
                finally:
                    os.close(fd)
            return self.adopt(tmp_name, digest.hexdigest(), size)
        finally:
            Path(tmp_name).unlink(missing_ok=True)

    def adopt(self, tmp_name: str | os.PathLike[str], sha256: str, size: int) -> Stored:
        """Move a complete, fsynced file from ``tmp/`` to its content address."""
        key = original_key(sha256)
        target = self.path(key)
        if target.is_file() and target.stat().st_size == size:
            # Same content already stored (a resubmission): keep one copy.
            Path(tmp_name).unlink(missing_ok=True)
        else:
            self._replace(Path(tmp_name), target)
        return Stored(key, sha256, size)

    def new_tmp(self, suffix: str = "") -> Path:
        """A fresh, empty file in ``tmp/`` for a renderer to write to."""
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="render-", suffix=suffix)
        os.close(fd)
        return Path(name)

    def put(self, src: str | os.PathLike[str], key: str) -> int:
        """Move the finished file *src* (in ``tmp/``) to *key*, replacing what was there; returns its size."""
        src = Path(src)
        with open(src, "rb") as fh:
            os.fsync(fh.fileno())
        size = src.stat().st_size
        self._replace(src, self.path(key))
        return size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, media_id: int) -> None:
        """Remove every rendition of one upload."""
        shutil.rmtree(self.root / "renditions" / str(int(media_id)), ignore_errors=True)

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under ``originals`` or ``renditions`` (for consistency checks)."""
        base = self.root / prefix
        if base.is_dir():
            for path in base.rglob("*"):
                if path.is_file():
                    yield path.relative_to(self.root).as_posix()

    def purge_tmp(self, older_than: float = 24 * 3600) -> int:
        """Delete temporary files left by crashed writers; returns how many."""
        cutoff = time.time() - older_than
        removed = 0
        for path in self.tmp.iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _replace(self, src: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
        # The rename is only durable once the folder entry is on disk.
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
