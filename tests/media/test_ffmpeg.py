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
