"""Request bodies at disk speed under gunicorn: read them straight from the socket, in large blocks.

gunicorn 23 hands the application a body that it reads 1 KiB at a time, each
step through ``io.BytesIO`` buffers filled by 8 KiB ``recv()`` calls
(``gunicorn.http.body.Body.read``; upstream issue benoitc/gunicorn#2596).  A
2 GiB upload then costs tens of CPU-seconds before a byte reaches the disk.

:func:`pre_request` (a gunicorn server hook, set by :mod:`lms.gunicorn_conf`,
the configuration ``lms serve`` starts gunicorn with) swaps the body of each
request that states its length for a :class:`SocketBody`: ``readinto`` fills
the caller's buffer with ``recv_into`` (no copy in Python, as many bytes per
call as the caller's buffer holds), and never reads past the stated length, so
the next request on a kept-alive connection is left where gunicorn expects it.
Bodies sent in chunks (``Transfer-Encoding: chunked``) keep gunicorn's reader.

An application that writes the body to a file can go one step further with
:meth:`SocketBody.splice_into`: the kernel moves the bytes from the socket
into the file (``splice(2)`` through a pipe), so they never enter Python and
are copied once, into the page cache (the tus PATCH does this, ``media.tus``).

What the application sees does not change: ``read``, ``readinto``,
``readline`` and iteration return the same bytes; a client that goes away
mid-body ends the body early (a short read, as with gunicorn's reader), and
a broken connection raises :class:`OSError` once nothing more arrived.

The module imports only gunicorn (when the hook first runs), never Flask.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import select
from typing import Any

__all__ = ["SocketBody", "post_worker_init", "pre_request", "supported"]

#: How much ``readline`` and ``read`` without a size pull from the socket at once.
_LINE_STEP = 64 * 1024
#: What :meth:`SocketBody.splice_into` moves at most per call: its pipe holds this much (the default
#: ``/proc/sys/fs/pipe-max-size``; a smaller pipe only means more calls).
PIPE_BYTES = 1024 * 1024
#: What ``splice(2)`` into a file answers where its file system does not take it.
_NO_SPLICE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP}
#: ``fcntl`` commands Python's module names only from 3.10 on some platforms.
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

log = logging.getLogger(__name__)


class SocketBody:
    """The body of one request with a ``Content-Length``, read straight from the connection's socket.

    :param unreader: gunicorn's ``SocketUnreader`` of the connection; the bytes
        it already holds past the headers (read with them) are taken first.
    :param length: the body's length in bytes (what the ``LengthReader`` still expects).
    """

    def __init__(self, unreader: Any, length: int):
        self._sock = unreader.sock
        with unreader.buf.getbuffer() as held:
            buffered = held.nbytes
        # Only bytes already in memory: a recv() here would block before the application asked for anything
        # (and before gunicorn answered ``Expect: 100-continue``).  What lies past the body stays for the next
        # request on the connection.
        taken = unreader.read(min(buffered, length)) if buffered and length else b""
        self._pending = bytearray(taken)
        #: Bytes of the body still to come from the socket.
        self._left = length - len(taken)
        #: The pipe :meth:`splice_into` moves bytes through, opened on its first call.
        self._pipe: tuple[int, int] | None = None
        #: False once the target file refused a splice (a file system without it): read and write instead.
        self._splicing = True

    @property
    def remaining(self) -> int:
        """Bytes of the body not yet handed to the application."""
        return len(self._pending) + self._left

    def readinto(self, buffer: Any) -> int:
        """Fill *buffer* with the body's next bytes; fewer only at the end of the body (or of the connection).

        A connection that breaks after some bytes arrived returns those; the
        next call raises the error (or returns 0 at the end of the stream).
        """
        view = memoryview(buffer).cast("B")
        got = min(len(self._pending), len(view))
        if got:
            view[:got] = self._pending[:got]
            del self._pending[:got]
        want = min(len(view), got + self._left)
        while got < want:
            try:
                n = self._sock.recv_into(view[got:want])
            except OSError:
                if got:
                    break  # hand over what arrived; the next read meets the error again
                raise
            if not n:
                self._left = 0  # the client went away: the body ends here, as gunicorn's own reader has it
                break
            got += n
            self._left -= n
        return got

    def splice_into(self, fd: int, offset: int, count: int) -> int:
        """Move up to *count* bytes of the body into the file *fd* at *offset*; 0 at the end of the body.

        The bytes go from the socket through a pipe into the page cache inside the kernel (``splice(2)``):
        Python never sees them, so whoever needs them (a hash) reads them back from the file. One call moves
        at most :data:`PIPE_BYTES`; bytes already read with the headers are written first. The same rules as
        :meth:`readinto`: a client that goes away ends the body (0), a broken connection raises
        :class:`OSError`. A failed write to *fd* raises too, and what the pipe held of the body is lost
        with it (the caller answers with an error; the body cannot be read on). Where *fd*'s file system
        refuses splicing, the bytes are read and written instead, for the rest of the body.
        """
        count = min(count, self.remaining)
        if count <= 0:
            return 0
        if self._pending:
            n = os.pwrite(fd, memoryview(self._pending)[:count], offset)
            del self._pending[:n]
            return n
        if not self._splicing:
            return self._copy_into(fd, offset, count)
        reader, writer = self._pipe or self._open_pipe()
        moved = self._splice_from_socket(writer, min(count, PIPE_BYTES))
        if not moved:
            self._left = 0  # the client went away
            return 0
        self._left -= moved
        done = 0
        try:
            while done < moved:
                try:
                    done += os.splice(reader, fd, moved - done, offset_dst=offset + done)
                except OSError as exc:
                    if exc.errno not in _NO_SPLICE:
                        raise
                    # This file system takes no splice: write what the pipe holds, then go on without it.
                    self._splicing = False
                    while done < moved:
                        done += os.pwrite(fd, os.read(reader, moved - done), offset + done)
        except BaseException:
            self.close()  # what is left in the pipe belongs to no file now
            raise
        return moved

    def _copy_into(self, fd: int, offset: int, count: int) -> int:
        """What :meth:`splice_into` does where splicing into *fd* is refused: read, then write."""
        buffer = bytearray(min(count, PIPE_BYTES))
        n = self.readinto(buffer)
        done = 0
        while done < n:
            done += os.pwrite(fd, memoryview(buffer)[done:n], offset + done)
        return n

    def _splice_from_socket(self, writer: int, count: int) -> int:
        sock = self._sock.fileno()
        while True:
            try:
                return os.splice(sock, writer, count)
            except BlockingIOError:
                # A socket with a timeout is non-blocking underneath: wait for bytes as recv() would.
                timeout = self._sock.gettimeout()
                if not select.select([sock], [], [], timeout)[0]:
                    raise TimeoutError("timed out") from None

    def _open_pipe(self) -> tuple[int, int]:
        reader, writer = os.pipe()
        try:
            fcntl.fcntl(writer, _F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass  # over this system's pipe-max-size: the default pipe works, in smaller steps
        self._pipe = (reader, writer)
        return self._pipe

    def close(self) -> None:
        """Close the pipe :meth:`splice_into` opened (also done when the body is garbage-collected)."""
        pipe, self._pipe = getattr(self, "_pipe", None), None
        if pipe is not None:
            for end in pipe:
                os.close(end)

    def __del__(self) -> None:
        self.close()

    def read(self, size: int | None = -1) -> bytes:
        """Up to *size* bytes (all that is left when *size* is None or negative)."""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if size <= 0:
            return b""
        out = bytearray(size)
        n = self.readinto(out)
        del out[n:]
        return bytes(out)

    def readline(self, size: int | None = -1) -> bytes:
        """One line (with its ``\\n``), at most *size* bytes."""
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        while self._pending.find(b"\n", 0, limit) < 0 and len(self._pending) < limit and self._left:
            step = bytearray(min(_LINE_STEP, self._left))
            n = self._sock.recv_into(step)
            if not n:
                self._left = 0
                break
            self._left -= n
            self._pending += memoryview(step)[:n]
        end = self._pending.find(b"\n", 0, limit)
        end = min(limit, len(self._pending)) if end < 0 else end + 1
        line = bytes(self._pending[:end])
        del self._pending[:end]
        return line

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> SocketBody:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def supported() -> bool:
    """Whether this gunicorn has the reader classes :func:`replacement` knows how to take over."""
    try:
        from gunicorn.http.body import Body, LengthReader
        from gunicorn.http.unreader import SocketUnreader
    except ImportError:
        return False
    return all(callable(getattr(cls, "read", None)) for cls in (Body, LengthReader, SocketUnreader))


def replacement(body: Any) -> SocketBody | None:
    """A :class:`SocketBody` for gunicorn's *body*; None keeps it (chunked, partly read, not a socket)."""
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader

    if type(body) is not Body or type(body.reader) is not LengthReader:
        return None
    unreader = body.reader.unreader
    if not isinstance(unreader, SocketUnreader):
        return None
    with body.buf.getbuffer() as held:
        if held.nbytes:
            return None  # the application has read some of it already
    fast = SocketBody(unreader, body.reader.length)
    body.reader.length = 0  # should anything still hold gunicorn's reader, it has nothing left to read
    return fast


def pre_request(worker: Any, req: Any) -> None:
    """gunicorn hook: read the body of *req* with :class:`SocketBody` where it states its length."""
    worker.log.debug("%s %s", req.method, req.path)  # what gunicorn's own pre_request does
    fast = replacement(req.body)
    if fast is not None:
        req.body = fast


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: say in the log how request bodies are read (a test checks ``lms serve`` says so)."""
    if supported():
        worker.log.info("Request bodies with a length are read straight from the socket (lms.serving).")
    else:
        worker.log.warning("Unknown gunicorn body readers: request bodies are read in 1 KiB steps.")
