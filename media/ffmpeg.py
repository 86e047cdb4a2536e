"""The one place that runs the bundled ``ffmpeg`` binary.

FACTS.md records what goes wrong otherwise: a child whose stderr pipe fills
blocks for ever, a dropped clip leaves 150-200 MB children behind, and FFmpeg
happily follows playlists to other files or hosts.  So every run here:

* has a hard wall-clock timeout, after which the whole process group is
  SIGKILLed and reaped (FFmpeg runs in its own session);
* writes stderr to an anonymous temporary file, which can never fill up and
  block the child, and keeps only its tail;
* gets ``-nostdin``, and inputs only through :func:`input_args`: an absolute
  ``file:`` path, a demuxer forced from the allow-list and
  ``-protocol_whitelist file`` (no HLS, concat or network);
* has its address space bounded with ``RLIMIT_AS`` and its CPU time with
  ``RLIMIT_CPU``.  The limits are applied with ``prlimit()`` right after the
  child starts rather than in ``preexec_fn``, which CPython documents as
  unsafe in threaded programs (gunicorn, Celery);
* dies with the process that started it: util-linux's ``setpriv
  --pdeathsig KILL`` asks the kernel to kill FFmpeg when its parent dies (a
  worker killed by the OOM killer or ``kill -9`` cannot run the cleanup
  below, and FFmpeg runs in a session of its own, so no signal to the
  worker's group reaches it).  Where ``setpriv`` is missing the CPU-time
  limit is the backstop.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import IO

from media.probe import DEMUXERS

__all__ = [
    "DEFAULT_MAX_MEMORY",
    "FFmpegError",
    "FFmpegResult",
    "ffmpeg_exe",
    "input_args",
    "run_ffmpeg",
]

#: Address-space limit for one FFmpeg child.  Decoding 4K and encoding 720p
#: with x264's threads stays well under it; a decompression bomb does not.
DEFAULT_MAX_MEMORY = 3 * 1024**3
_STDERR_TAIL = 8192
_DROPPED_ENV = ("FFREPORT", "AV_LOG_FORCE")


@dataclass
class FFmpegResult:
    """A finished FFmpeg run."""

    returncode: int
    stderr: str
    elapsed: float


class FFmpegError(RuntimeError):
    """FFmpeg failed, was killed for running too long, or was refused its arguments."""

    def __init__(
        self, message: str, *, returncode: int | None = None, stderr: str = "", timed_out: bool = False
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out


@cache
def ffmpeg_exe() -> str:
    """Path of the FFmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def input_args(path: str | os.PathLike[str], container: str) -> list[str]:
    """FFmpeg input options for *path*, opened with the allow-listed demuxer of *container*."""
    demuxer = DEMUXERS.get(container)
    if demuxer is None:
        raise FFmpegError(f"no allowed demuxer for {container!r}")
    return [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        demuxer,
        "-f",
        demuxer,
        "-i",
        "file:" + os.path.abspath(os.fspath(path)),
    ]


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout: float,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    check: bool = True,
) -> FFmpegResult:
    """Run ``ffmpeg`` with *args* (options after the binary name) under the rules above.

    Raises :class:`FFmpegError` when an input was not built by :func:`input_args`,
    on timeout, and (with *check*) on a non-zero exit status.
    """
    args = list(args)
    _check_inputs(args)
    cmd = [
        *_dies_with_parent(),
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-nostats",
        "-loglevel",
        "error",
        *args,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV)}
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
        try:
            _limit_resources(proc.pid, max_memory, timeout)
            timed_out = not _wait_unreaped(proc.pid, timeout)
        finally:
            # Also on KeyboardInterrupt or a Celery soft time limit: nothing
            # started here may outlive the call.
            _kill_group(proc)
        elapsed = time.monotonic() - started
        tail = _tail(stderr)
    if timed_out:
        raise FFmpegError(
            f"ffmpeg killed after {timeout:g} s", returncode=proc.returncode, stderr=tail, timed_out=True
        )
    if check and proc.returncode != 0:
        raise FFmpegError(
            f"ffmpeg exited with status {proc.returncode}: {tail[-500:]}",
            returncode=proc.returncode,
            stderr=tail,
        )
    return FFmpegResult(returncode=proc.returncode, stderr=tail, elapsed=elapsed)


@cache
def _dies_with_parent() -> tuple[str, ...]:
    """The command prefix that makes the kernel SIGKILL the child when its parent dies, or () without it."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return ()
    prefix = (setpriv, "--pdeathsig", "KILL", "--")
    try:  # util-linux older than 2.33 has no --pdeathsig
        ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return prefix if ok else ()


def _check_inputs(args: list[str]) -> None:
    # Defence in depth: a caller building its own "-i" would bypass the
    # demuxer allow-list and the protocol whitelist.
    group_start = 0
    for i, arg in enumerate(args):
        if arg != "-i":
            continue
        group = args[group_start:i]
        value = args[i + 1] if i + 1 < len(args) else ""
        safe = (
            value.startswith("file:/")
            and _option(group, "-protocol_whitelist") == "file"
            and _option(group, "-f") in DEMUXERS.values()
            and _option(group, "-format_whitelist") == _option(group, "-f")
        )
        if not safe:
            raise FFmpegError(f"refusing an ffmpeg input not built by input_args(): {value!r}")
        group_start = i + 2


def _option(group: list[str], name: str) -> str | None:
    for i in range(len(group) - 1, -1, -1):
        if group[i] == name and i + 1 < len(group):
            return group[i + 1]
    return None


def _limit_resources(pid: int, max_memory: int | None, timeout: float) -> None:
    # The CPU-time cap is a backstop for the one case the timeout cannot
    # cover: this process killed outright (SIGKILL, OOM) leaves FFmpeg behind,
    # and the kernel then stops it once it has used its share of every core.
    cpu_seconds = int(timeout * (os.cpu_count() or 1)) + 10
    try:
        resource.prlimit(pid, resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        if max_memory is not None:
            resource.prlimit(pid, resource.RLIMIT_AS, (max_memory, max_memory))
    except ProcessLookupError:
        pass


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait until *pid* exits but leave it a zombie; False on timeout.

    While the zombie exists its PID, and so its process-group ID, cannot be
    reused, which makes the killpg() that follows safe.
    """
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _tail(fh: IO[bytes]) -> str:
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - _STDERR_TAIL))
    return fh.read().decode("utf-8", "replace")
