"""Run one decoding step in a forked child whose memory is capped.

Decoders (FFmpeg's through PyAV, Pillow's) allocate what a file tells them to.
The header checks refuse the pixel counts they can see, but a file can still
ask for more than they know about (a reference-frame-heavy stream, a picture
codec inside a container, a decoder that allocates before checking).  So the
worker runs each decoding step in a child made with ``fork()`` (a few
milliseconds: the libraries are already loaded and the pages are shared) whose
data segment may grow by at most *limit* bytes (``RLIMIT_DATA``).  Past it,
``malloc`` fails: FFmpeg returns ``ENOMEM``, Pillow and Python raise
:class:`MemoryError`, and the step ends with :class:`MediaError`
``too_much_memory``, a verdict on the file, never a crash of the worker.

``RLIMIT_DATA`` rather than ``RLIMIT_AS``: every decoding thread gets a glibc
arena whose 64 MiB *reservation* counts as address space but costs nothing, so
an address-space cap would depend on the number of cores; the data limit counts
only what can be written to (measured on 2 cores: a 4K HEVC sprite sheet needs
+160 MiB of data, +224 MiB of address space).

The child asks the kernel to kill it when its parent dies (a worker killed by
Celery's time limit leaves no decoder behind), never touches the parent's
database connections, and leaves with ``os._exit`` so that no inherited clean-up
runs twice.  The result, or the exception, comes back pickled through a pipe.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import resource
import signal
import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from media.errors import MediaError

__all__ = ["CPU_SECONDS", "DEFAULT_LIMIT", "run_bounded"]

T = TypeVar("T")

#: Growth of the data segment one decoding step may make (MEDIA_MEMORY_LIMIT_MIB).
DEFAULT_LIMIT = 256 * 1024**2
_PR_SET_PDEATHSIG = 1
#: Processor time one step may use (a sprite sheet of a long 4K video takes seconds): a library spinning on a
#: refused allocation is stopped by it.
CPU_SECONDS = 300
#: An error raised with the data segment this close to its ceiling is taken for running out of memory.
_NEAR_CEILING = 48 * 1024**2
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: fork(), prctl() and a data limit that counts mmap() (Linux 4.7+); elsewhere steps run unbounded.
_FORKS = sys.platform == "linux"


def run_bounded(
    function: Callable[..., T],
    /,
    *args: Any,
    limit: int | None = DEFAULT_LIMIT,
    warm_up: Callable[[], object] | None = None,
    **kwargs: Any,
) -> T:
    """``function(*args, **kwargs)`` in a forked child allowed *limit* more bytes of data; ``None``: in this
    process, unbounded.

    Returns what it returns and raises what it raises (a :class:`MediaError` with its code and params, PyAV's
    errors as themselves).  Raises :class:`MediaError` ``too_much_memory`` when the step ran out of its
    allowance, and ``corrupt`` when a decoder crashed the child (a signal): both are the file's doing, and
    running the step again would repeat them.

    *warm_up* runs once in this process before the first fork: what it loads, the children find loaded.  A
    library first loaded in a child loads under its cap, and some cannot: SciPy's OpenBLAS allocates its
    buffers while loading and retries a refused allocation for ever.
    """
    if limit is None or not _FORKS:
        return function(*args, **kwargs)
    if warm_up is not None:
        _warm(warm_up)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child; coverage does not follow it)
        os.close(read_end)
        _child(write_end, parent, limit, function, args, kwargs)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    except BaseException:  # e.g. Celery's soft time limit, raised here while the child works
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if data:
        return _outcome(pickle.loads(data), limit)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGKILL:
            # The kernel's out-of-memory killer, the one signal nobody else sends a checking child.
            raise MediaError("too_much_memory", "killed", limit=limit)
        if sig == signal.SIGXCPU:
            raise MediaError("corrupt", f"the check used more than {CPU_SECONDS} s of processor time")
        raise MediaError("corrupt", f"the decoder crashed ({signal.Signals(sig).name})")
    raise MediaError(
        "corrupt", f"the check ended without a result (status {os.waitstatus_to_exitcode(status)})"
    )


def _outcome(message: tuple, limit: int) -> Any:
    kind, value = message[0], message[1:]
    if kind == "ok":
        return value[0]
    if kind == "memory":
        raise MediaError("too_much_memory", value[0], limit=limit)
    if kind == "media":
        code, detail, params = value
        raise MediaError(code, detail, **params)
    raise value[0]


def _child(
    pipe: int, parent: int, limit: int, function: Callable[..., Any], args: tuple, kwargs: dict
) -> None:
    code = 0
    try:
        # What the parent left for its garbage collector is the parent's (a database connection's finaliser
        # would say goodbye on the parent's socket): the child collects only its own.
        gc.freeze()
        _fresh_scalers()
        _die_with_parent(parent)
        # A BLAS library first loaded here despite *warm_up* starts one thread, not a pool of them.
        os.environ.update(_ONE_THREAD)
        ceiling = _cap_data(limit)
        # A library that retries a refused allocation in a loop (as above) must not spin until the job's
        # hour is up.
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
        message = _run(function, args, kwargs, ceiling)
        try:
            data = pickle.dumps(message)
        except Exception as exc:  # an exception whose arguments do not pickle
            data = pickle.dumps(("raise", RuntimeError(f"{type(message[1]).__name__}: {exc}")))
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _run(function: Callable[..., Any], args: tuple, kwargs: dict, ceiling: int) -> tuple:
    try:
        return ("ok", function(*args, **kwargs))
    except MemoryError as exc:  # av.error.MemoryError (ENOMEM) is one too
        return ("memory", str(exc) or "out of memory")
    except MediaError as exc:
        return ("media", exc.code, exc.detail, exc.params)
    except Exception as exc:
        # Some C extensions report a refused allocation as something else ("error return without exception
        # set"); the memory is still held while the exception is handled, so the data segment tells.
        if _vm_kib("VmData") * 1024 > ceiling - _NEAR_CEILING:
            return ("memory", f"{type(exc).__name__}: {exc}")
        return ("raise", exc)


#: What the parent made and a child must never free (see :func:`_fresh_scalers`).
_INHERITED: list[object] = []


def _fresh_scalers() -> None:
    """Give this child image scalers of its own.

    PyAV (18.1.1 on) keeps one scaler per thread for every frame's ``reformat()``, ``to_image()`` and
    ``to_ndarray()``. The parent's may run slice threads, and a forked child has none of them: its first
    scaling would wait for them for ever (seen: every upload check hung once the test process had scaled a
    frame itself). The child starts with an empty per-thread store; the parent's stays referenced, since
    freeing its scaler would wait on the same missing threads.
    """
    frame = sys.modules.get("av.video.frame")
    inherited = getattr(frame, "_thread_local", None)
    if frame is None or inherited is None:
        return  # PyAV not loaded, or a version that keeps a scaler per frame
    _INHERITED.append(inherited)
    frame._thread_local = threading.local()  # type: ignore[attr-defined]


@cache
def _warm(warm_up: Callable[[], object]) -> None:
    warm_up()


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _cap_data(limit: int) -> int:
    """Let the data segment grow by *limit* bytes from what the fork inherited; returns the ceiling."""
    used = _vm_kib("VmData") * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    ceiling = used + limit
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
    return ceiling


def _vm_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0
