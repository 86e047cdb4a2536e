"""The FFmpeg runner: timeouts, no orphans, no unsafe inputs, bounded memory."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from media import ffmpeg as runner
from media.ffmpeg import FFmpegError, ffmpeg_exe, input_args, run_ffmpeg


def ffmpeg_children() -> list[int]:
    """PIDs of live ffmpeg processes whose parent is this test process."""
    found = []
    exe = os.path.realpath(ffmpeg_exe())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            state = stat.rsplit(")", 1)[1].split()[0]
            if ppid == os.getpid() and state != "Z" and os.path.realpath(entry / "exe") == exe:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.fixture
def spawned(monkeypatch):
    """Records every process the runner starts."""
    started: list[subprocess.Popen] = []
    real = subprocess.Popen

    def recording(*args, **kwargs):
        proc = real(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(runner.subprocess, "Popen", recording)
    return started


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_successful_run(media, tmp_path, spawned):
    out = tmp_path / "frame.png"
    result = run_ffmpeg(
        [*input_args(media["h264_aac.mp4"], "mp4"), "-frames:v", "1", "-y", f"file:{out}"], timeout=30
    )
    assert result.returncode == 0 and out.exists()
    assert_gone(spawned[0].pid)
    assert ffmpeg_children() == []


def test_timeout_kills_the_process_group(media, spawned):
    started = time.monotonic()
    with pytest.raises(FFmpegError) as caught:
        # -re reads at native speed: this 3 s clip cannot finish in 0.5 s.
        run_ffmpeg(["-re", *input_args(media["faststart.mp4"], "mp4"), "-f", "null", "-"], timeout=0.5)
    assert caught.value.timed_out
    assert time.monotonic() - started < 3
    assert_gone(spawned[0].pid)
    assert ffmpeg_children() == []


def test_interrupted_wait_still_kills(media, spawned, monkeypatch):
    def interrupted(pid, timeout):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_wait_unreaped", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_ffmpeg(["-re", *input_args(media["faststart.mp4"], "mp4"), "-f", "null", "-"], timeout=30)
    assert_gone(spawned[0].pid)
    assert ffmpeg_children() == []


def test_stderr_flood_cannot_block(media):
    # Per-packet debug lines come to ~300 KB, far more than a 64 KiB pipe holds.
    result = run_ffmpeg(
        ["-loglevel", "debug", "-debug_ts", *input_args(media["faststart.mp4"], "mp4"), "-f", "null", "-"],
        timeout=30,
    )
    assert result.returncode == 0
    assert 0 < len(result.stderr) <= 8192


def test_memory_is_bounded(media):
    with pytest.raises(FFmpegError) as caught:
        run_ffmpeg(
            [*input_args(media["h264_aac.mp4"], "mp4"), "-f", "null", "-"],
            timeout=30,
            max_memory=20 * 1024 * 1024,
        )
    assert caught.value.returncode != 0
    assert ffmpeg_children() == []


@pytest.mark.parametrize(
    "args",
    [
        ["-i", "/etc/passwd", "-f", "null", "-"],
        ["-f", "hls", "-i", "file:/tmp/x.m3u8", "-f", "null", "-"],
        [
            "-protocol_whitelist",
            "file,http,tcp",
            "-format_whitelist",
            "mov",
            "-f",
            "mov",
            "-i",
            "file:/x.mp4",
        ],
        ["-protocol_whitelist", "file", "-format_whitelist", "mov", "-f", "mov", "-i", "http://127.0.0.1/x"],
        ["-protocol_whitelist", "file", "-format_whitelist", "concat", "-f", "concat", "-i", "file:/x.txt"],
        ["-protocol_whitelist", "file", "-f", "lavfi", "-i", "file:/x"],
    ],
)
def test_unsafe_inputs_are_refused(args, spawned):
    with pytest.raises(FFmpegError):
        run_ffmpeg(args, timeout=5)
    assert spawned == []


def test_input_args_only_for_allowed_containers(media):
    for container in ("hls", "concat", "image2", "sdp", "svg"):
        with pytest.raises(FFmpegError):
            input_args(media["h264_aac.mp4"], container)
    args = input_args("relative/name:with:colons.mp4", "mp4")
    assert args[-1].startswith("file:/") and args[args.index("-f") + 1] == "mov"


def test_limits_are_applied_to_the_child(media, monkeypatch):
    seen = {}
    real = runner.resource.prlimit

    def recording(pid, which, limits):
        seen[which] = limits
        return real(pid, which, limits)

    monkeypatch.setattr(runner.resource, "prlimit", recording)
    run_ffmpeg([*input_args(media["h264_aac.mp4"], "mp4"), "-f", "null", "-"], timeout=7, max_memory=2**31)
    assert seen[runner.resource.RLIMIT_AS] == (2**31, 2**31)
    assert seen[runner.resource.RLIMIT_CPU][0] >= 7


_KILLED_MID_RUN = """
import sys
from media.ffmpeg import input_args, run_ffmpeg
print("started", flush=True)
run_ffmpeg(["-re", "-stream_loop", "-1", *input_args(sys.argv[1], "mp4"), "-f", "null", "-"], timeout=600)
"""


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _exe(pid: int) -> str | None:
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:  # it is gone already, or not ours to read
        return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(
    not runner._dies_with_parent(), reason="util-linux setpriv with --pdeathsig is not installed"
)
def test_ffmpeg_dies_with_a_worker_killed_outright(media):
    """SIGKILL (the OOM killer, ``kill -9``) runs no cleanup: the kernel takes FFmpeg down with its parent."""
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen(
        [os.sys.executable, "-c", _KILLED_MID_RUN, str(media["faststart.mp4"])],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        stdout=subprocess.PIPE,
    )
    try:
        assert worker.stdout.readline().strip() == b"started"
        deadline = time.monotonic() + 20
        exe = os.path.realpath(ffmpeg_exe())
        while True:
            children = [p for p in _children_of(worker.pid) if _exe(p) == exe]
            if children or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert children, "ffmpeg did not start"
    finally:
        worker.kill()
        worker.wait()
        worker.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(children[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(children[0]), "ffmpeg outlived its killed parent"


def test_a_starting_worker_deletes_partial_files_no_job_can_still_be_writing(app, db):
    """A killed worker's half-written rendition goes when a worker starts; a file being written stays."""
    from types import SimpleNamespace

    from media.receivers import requeue_on_worker_start
    from media.services import get_storage
    from media.tasks import process_upload

    with app.app_context():
        storage = get_storage()
        left, live = storage.new_tmp(".mp4"), storage.new_tmp(".mp4")
    old = time.time() - process_upload.time_limit - 60
    os.utime(left, (old, old))
    requeue_on_worker_start(sender=SimpleNamespace(app=SimpleNamespace(flask_app=app)))
    assert not left.exists()
    assert live.exists()
