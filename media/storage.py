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

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

__all__ = ["LocalStorage", "Storage", "Stored", "TooLarge", "original_key", "rendition_key"]

CHUNK = 1024 * 1024
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
        # One buffer, refilled in place: no fresh 1 MiB object per read, no copy in Python on the way out.
        buffer = memoryview(bytearray(CHUNK))
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            try:
                while n := read_into(stream, buffer):
                    size += n
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(buffer[:n])
                    done = 0
                    while done < n:
                        done += os.write(fd, buffer[done:n])
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
