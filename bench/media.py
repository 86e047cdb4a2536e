"""Benchmark what an upload costs (the check and the worker's whole job) against FFmpeg's own tools.

Run from the repository root (not part of the test suite; generating the
default clips takes a few minutes on two cores)::

    .venv/bin/python bench/media.py [--runs 5] [--dir DIR] [--big] [--tasks validate,job] [--clips vp9]

Every row compares our path, run in this process from nothing but the file
name (as the worker calls it), with the reference command line doing the same
work, on the same file:

* validate: :func:`media.validation.validate` with an empty brief, the whole
  upload check (sniff, probe, header checks, integrity pass), in a forked child
  capped at ``MEDIA_MEMORY_LIMIT_MIB`` as the worker runs it (``--no-cap``: in
  this process, as ``lms media inspect`` runs it), against
  ``ffprobe -v error -show_format -show_streams F`` (Debian's ``ffprobe``;
  the rows are skipped when none is found).  Goal: 1.5x.
* poster: ``make_poster`` (320 px) against
  ``ffmpeg -ss T -i F -frames:v 1 -vf scale=320:-2 out.jpg`` (T = 10 %).  Goal: 1.0x.
* sheet: a 3x3 sprite sheet against one ffmpeg process with nine ``-ss``
  inputs, scaled and stacked 3x3.  Goal: 0.6x.
* probe: :func:`media.probe.probe` against ``ffmpeg -hide_banner -i F`` and
  parsing its text.  Goal: 1.0x.
* job: what ``media.services.process_media`` does for an accepted video,
  from the media modules alone (no database): validate, the perceptual hash
  of the middle frame, the 640 px smart poster, the sprite sheet (one 160 px
  tile per 5 s) with its WebVTT track (each of these four in its own capped
  child, :mod:`media.sandbox`), and the preview (an H.264 720p
  transcode when a browser cannot play the upload, else a packet copy).
  Reference: the same ffprobe; one ffmpeg for the poster (at 10 %) and the
  hash frame (middle); one for a keyframe contact sheet
  (``-skip_frame nokey``, ``fps=1/5``, ``tile``); the preview command
  ``media.preview`` runs (same x264 or copy options).  Reported, no goal.

Runs are interleaved so that load from other processes falls on both sides
alike: after one warm-up round, each of --runs rounds takes every clip and
task in turn, ours first in odd rounds and the reference first in even ones.
The table prints the medians, the ratio of the medians, the range of the
rounds' paired ratios (a noise gauge) and the goal.

Peak RSS is that of a fresh process doing the task once.  Ours is read from
``VmHWM`` in ``/proc/self/status`` of a new Python process (interpreter and
libraries included; the baseline of one that only imports them is printed
first), or, where larger, that of the capped children the check forks (they
share the parent's pages, so this is one process's peak, not a sum); for the
job, ``+N`` is the peak of the ffmpeg child the preview runs in (it runs beside
the Python process).  A child forked from a large process
inherits its ``ru_maxrss``, so reference commands (and, for the job, our
ffmpeg child) are started by a small launcher and measured as its children.
The job reference shows its largest command.

The default clips are 1080p H.264 60 s, 4K H.264 10 s, HEVC 1080p 10 s and
VP9 720p 30 s; ``--big`` adds a 2.2 GiB 8-minute 1080p H.264 file at
40 Mbit/s (one minute encoded, then copied eight times over: about two minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.ffmpeg import ffmpeg_exe  # noqa: E402
from media.preview import make_preview, needs_preview, remux_copy  # noqa: E402
from media.probe import MediaInfo, probe  # noqa: E402
from media.sandbox import DEFAULT_LIMIT, run_bounded  # noqa: E402
from media.similarity import image_hash, video_hash  # noqa: E402
from media.thumbnails import make_poster, smart_poster, sprite_sheet  # noqa: E402
from media.validation import validate  # noqa: E402

TASKS = ("validate", "poster", "sheet", "probe", "job")
GOALS: dict[str, float | None] = {"validate": 1.5, "poster": 1.0, "sheet": 0.6, "probe": 1.0, "job": None}
#: As media.services makes them.
POSTER_WIDTH = 640
SPRITE_TILE_WIDTH = 160
SPRITE_INTERVAL = 5.0
SPRITE_COLUMNS = 5
NOISE = "noise=alls=12:allf=t"


@dataclass
class Clip:
    """A generated test file: ffmpeg arguments that make it, and whether only --big makes it."""

    name: str
    args: list[str]
    big: bool = False
    #: Encode once, then join this many copies of it without re-encoding (a big file in little time).
    copies: int = 1


def _h264(size: str, seconds: int, bitrate: str, audio: bool) -> list[str]:
    # GOP of 2 s, as phones and screen recorders write.
    source = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}"]
    if audio:
        source += ["-f", "lavfi", "-i", f"sine=duration={seconds}"]
    video = ["-vf", NOISE, "-c:v", "libx264", "-preset", "ultrafast", "-b:v", bitrate, "-g", "60"]
    return [*source, *video, "-pix_fmt", "yuv420p", *(["-c:a", "aac"] if audio else [])]


CLIPS = [
    Clip("h264_1080p_60s.mp4", _h264("1920x1080", 60, "8M", audio=True)),
    Clip("h264_4k_10s.mp4", _h264("3840x2160", 10, "30M", audio=False)),
    Clip(
        "hevc_1080p_10s.mp4",
        [
            *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=10", "-vf", NOISE),
            *("-c:v", "libx265", "-preset", "ultrafast", "-b:v", "6M"),
            *("-x265-params", "keyint=60:min-keyint=60:log-level=error"),
            *("-tag:v", "hvc1", "-pix_fmt", "yuv420p"),
        ],
    ),
    # libvpx's default keyframe placement: a few keyframes in 30 s, the case that once cost a full decode.
    Clip(
        "vp9_720p_30s.webm",
        [
            *("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=30", "-vf", NOISE),
            *("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1"),
            *("-b:v", "3M", "-pix_fmt", "yuv420p"),
        ],
    ),
    # 40 Mbit/s for 8 minutes: 2.2 GiB, the size of upload the goal names.
    Clip("h264_1080p_8min_2gib.mp4", _h264("1920x1080", 60, "40M", audio=True), big=True, copies=8),
]


def generate(folder: Path, clips: list[Clip]) -> None:
    """Write the benchmark clips that are not in *folder* yet."""
    for clip in clips:
        target = folder / clip.name
        if target.exists():
            continue
        print(f"generating {clip.name} ...", flush=True)
        partial = target.with_name(target.name + ".part" + target.suffix)
        ff = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
        if clip.copies == 1:
            subprocess.run([*ff, *clip.args, str(partial)], check=True)
        else:
            segment = target.with_name(target.name + ".segment" + target.suffix)
            listing = target.with_name(target.name + ".txt")
            subprocess.run([*ff, *clip.args, str(segment)], check=True)
            listing.write_text(f"file '{segment.name}'\n" * clip.copies)
            concat = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy"]
            subprocess.run([*ff, *concat, "-movflags", "+faststart", str(partial)], check=True)
            segment.unlink()
            listing.unlink()
        partial.rename(target)


# -- ours ---------------------------------------------------------------------------------------------------


#: validate in this process (--no-cap) instead of a capped child.
UNCAPPED = False


def _load_hashing() -> None:
    # As media.services does: SciPy is loaded in the worker once, not in each capped child.
    from PIL import Image

    image_hash(Image.new("RGB", (32, 32)))


def worker_job(path: Path, out: Path) -> None:
    """What ``media.services.process_media`` does for an accepted video, without the database."""
    report = validate(path, memory_limit=DEFAULT_LIMIT)
    if not report.ok or report.media is None:
        raise RuntimeError(f"{path.name} was refused: {report.codes}")
    info = report.media
    run_bounded(video_hash, path, info, limit=DEFAULT_LIMIT, warm_up=_load_hashing)
    run_bounded(
        smart_poster, path, out / "job_poster.jpg", info=info, width=POSTER_WIDTH, limit=DEFAULT_LIMIT
    )
    sprite = out / "job_sprite.jpg"
    sheet = run_bounded(
        sprite_sheet,
        path,
        sprite,
        info=info,
        image_url="sprite.jpg",
        tile_width=SPRITE_TILE_WIDTH,
        limit=DEFAULT_LIMIT,
    )
    global CHECK_CHILDREN_MIB
    CHECK_CHILDREN_MIB = children_mib()  # before the preview's ffmpeg, which is measured apart
    (out / "job_sprite.vtt").write_text(sheet.vtt, encoding="utf-8")
    if needs_preview(info):
        make_preview(path, out / "job_preview.mp4", info=info)
    else:
        ext = "webm" if info.container == "webm" else "mp4"
        remux_copy(path, out / f"job_preview.{ext}", info=info)


def ours(task: str, path: Path, out: Path) -> None:
    """Our path for *task*, from nothing but the file name."""
    if task == "validate":
        report = validate(path, memory_limit=None if UNCAPPED else DEFAULT_LIMIT)
        if not report.ok:
            raise RuntimeError(f"{path.name} was refused: {report.codes}")
    elif task == "poster":
        make_poster(path, out / "poster.jpg")
    elif task == "sheet":
        sprite_sheet(path, out / "sheet.jpg", count=9, columns=3, tile_width=160)
    elif task == "probe":
        probe(path)
    else:
        worker_job(path, out)


# -- references ---------------------------------------------------------------------------------------------


def reference(task: str, path: Path, out: Path, info: MediaInfo, ffprobe: str | None) -> list[list[str]]:
    """The command lines that do *task*, run one after the other."""
    ff = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    duration = info.duration or 0.0
    probe_cmd = [ffprobe or "ffprobe", "-v", "error", "-show_format", "-show_streams", str(path)]
    if task == "validate":
        return [probe_cmd]
    if task == "poster":
        return [
            [*ff, "-ss", f"{duration * 0.1:.3f}", "-i", str(path), "-frames:v", "1", "-vf", "scale=320:-2"]
            + [str(out / "ref_poster.jpg")]
        ]
    if task == "sheet":
        inputs: list[str] = []
        for i in range(9):
            inputs += ["-ss", f"{duration * (i + 0.5) / 9:.3f}", "-i", str(path)]
        graph = ";".join(f"[{i}:v]scale=160:-2[v{i}]" for i in range(9))
        graph += ";" + ";".join(f"[v{3 * r}][v{3 * r + 1}][v{3 * r + 2}]hstack=3[r{r}]" for r in range(3))
        graph += ";[r0][r1][r2]vstack=3[out]"
        stacked = ["-filter_complex", graph, "-map", "[out]", "-frames:v", "1", str(out / "ref_sheet.jpg")]
        return [[*ff, *inputs, *stacked]]
    if task == "probe":
        return [[ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path)]]
    return [probe_cmd, *_job_reference(path, out, info)]


def _job_reference(path: Path, out: Path, info: MediaInfo) -> list[list[str]]:
    ff = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    duration = info.duration or 0.0
    src = str(path)
    pictures = [
        *ff,
        *("-ss", f"{duration * 0.1:.3f}", "-i", src, "-ss", f"{duration / 2:.3f}", "-i", src),
        *("-filter_complex", f"[0:v]scale={POSTER_WIDTH}:-2[p];[1:v]scale=256:-2[h]"),
        *("-map", "[p]", "-frames:v", "1", str(out / "ref_job_poster.jpg")),
        *("-map", "[h]", "-frames:v", "1", str(out / "ref_job_hash.png")),
    ]
    count = max(1, min(100, -(-int(duration * 1000) // int(SPRITE_INTERVAL * 1000))))
    columns = min(SPRITE_COLUMNS, count)
    rows = -(-count // columns)
    sheet = [
        *ff,
        *("-skip_frame", "nokey", "-i", src),
        *("-vf", f"fps=1/{SPRITE_INTERVAL:g},scale={SPRITE_TILE_WIDTH}:-2,tile={columns}x{rows}"),
        *("-frames:v", "1", str(out / "ref_job_sprite.jpg")),
    ]
    keep = ["-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"]
    if needs_preview(info):
        # media.preview.make_preview's options (landscape box; the clips here are all landscape).
        scale = "scale=w='min(1280,iw)':h='min(720,ih)'"
        scale += ":force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p"
        encode = [
            *("-vf", scale, "-fpsmax", "60", "-c:v", "libx264", "-preset", "veryfast"),
            *("-crf", "23", "-profile:v", "high", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "128k", "-ac", "2"),
            *("-movflags", "+faststart", "-f", "mp4", str(out / "ref_job_preview.mp4")),
        ]
    else:
        fmt = "webm" if info.container == "webm" else "mp4"
        faststart = ["-movflags", "+faststart"] if fmt == "mp4" else []
        encode = ["-c", "copy", *faststart, "-f", fmt, str(out / f"ref_job_preview.{fmt}")]
    return [pictures, sheet, [*ff, "-i", src, *keep, *encode]]


_PARSE = (
    re.compile(r"Duration: (\d+):(\d+):([\d.]+)"),
    re.compile(r"Stream #.*Video: (\w+).*?, (\d+)x(\d+)"),
)


def run_reference(commands: list[list[str]], task: str) -> None:
    """Run the reference; for the probe, parse what ``ffmpeg -i`` printed like moviepy does."""
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True)
        if task == "probe":
            if not all(p.search(done.stderr) for p in _PARSE):
                raise RuntimeError("could not parse ffmpeg -i output")
        elif done.returncode != 0:
            raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr[-500:]}")
        elif command[0] != ffmpeg_exe() and "[STREAM]" not in done.stdout:
            # ffprobe's answer is read, as an application would, and must describe the streams.
            raise RuntimeError("ffprobe printed no streams")


# -- peak memory --------------------------------------------------------------------------------------------

# Linux keeps ru_maxrss across exec(), so a command forked from this (large)
# process would report our own footprint.  This small launcher forks the
# command, waits for it and appends "exit-code max-rss-KiB" to $BENCH_RSS_LOG.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
code = os.waitstatus_to_exitcode(status)
with open(os.environ["BENCH_RSS_LOG"], "a") as log:
    log.write(f"{code} {usage.ru_maxrss}\\n")
sys.exit(code if code >= 0 else 128 - code)
"""


class Memory:
    """Peak resident memory of fresh processes, through files in *scratch*."""

    def __init__(self, scratch: Path) -> None:
        self.launcher = scratch / "rss_launcher.py"
        self.launcher.write_text(_LAUNCHER)
        # Stands in for the bundled ffmpeg (IMAGEIO_FFMPEG_EXE) in our child process, so that the preview's
        # ffmpeg is measured the same way as the references.
        self.ffmpeg = scratch / "ffmpeg-rss"
        self.ffmpeg.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -I -S "{self.launcher}" "{ffmpeg_exe()}" "$@"\n'
        )
        self.ffmpeg.chmod(0o755)
        self.log = scratch / "rss.log"

    def _read_log(self) -> list[tuple[int, float]]:
        if not self.log.exists():
            return []
        rows = [line.split() for line in self.log.read_text().splitlines() if line.strip()]
        self.log.unlink()
        return [(int(code), int(kib) / 1024) for code, kib in rows]

    def reference(self, commands: list[list[str]], task: str) -> float:
        """Largest peak (MiB) among *commands*, each run fresh."""
        env = {**os.environ, "BENCH_RSS_LOG": str(self.log)}
        for command in commands:
            subprocess.run(
                [sys.executable, "-I", "-S", str(self.launcher), *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        rows = self._read_log()
        # "ffmpeg -i" alone exits 1 (no output file) after printing what the probe parses.
        if len(rows) != len(commands) or (task != "probe" and any(code for code, _ in rows)):
            raise RuntimeError(f"reference for {task} failed under the launcher: {rows}")
        return max(mib for _, mib in rows)

    def ours(self, task: str, path: Path | str, out: Path) -> tuple[float, float]:
        """(Python process VmHWM, largest ffmpeg child) in MiB for one fresh run of *task*."""
        env = {**os.environ, "BENCH_RSS_LOG": str(self.log), "IMAGEIO_FFMPEG_EXE": str(self.ffmpeg)}
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                task,
                str(path),
                str(out),
                *(["--no-cap"] if UNCAPPED else []),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            raise RuntimeError(f"child {task} {path} failed: {done.stderr[-800:]}")
        children = self._read_log()
        return json.loads(done.stdout)["vmhwm_mib"], max((mib for _, mib in children), default=0.0)


#: Peak of the capped children a job forked, read before its ffmpeg child ran.
CHECK_CHILDREN_MIB = 0.0


def children_mib() -> float:
    """Peak resident memory (MiB) of the largest child waited for so far (the forked, capped steps)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def vmhwm_mib() -> float:
    """This process's peak resident memory (MiB), from the kernel's per-process high-water mark."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- the run ------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """Samples of one (clip, task) pair, paired by round."""

    clip: Clip
    task: str
    ours_cmd: Callable[[], None]
    ref_cmds: list[list[str]]
    ours_s: list[float]
    ref_s: list[float]


def _time(function: Callable[[], None]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def interleaved(rows: list[Row], runs: int) -> None:
    """One warm-up round, then *runs* rounds of ours/reference pairs, the order flipped every round."""
    for round_ in range(runs + 1):
        label = "warm-up" if round_ == 0 else f"round {round_}/{runs}"
        started = time.perf_counter()
        for row in rows:
            ref = lambda r=row: run_reference(r.ref_cmds, r.task)  # noqa: E731
            pair = [(row.ours_s, row.ours_cmd), (row.ref_s, ref)]
            if round_ % 2 == 0:
                pair.reverse()
            for samples, function in pair:
                elapsed = _time(function)
                if round_:
                    samples.append(elapsed)
        print(f"  {label}: {time.perf_counter() - started:.0f} s", flush=True)


def _version(command: list[str]) -> str:
    try:
        first = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"
    return first.split(" Copyright")[0]


def main() -> None:  # noqa: C901  (one flow read top to bottom)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--runs", type=int, default=5, help="timed rounds (medians; plus one warm-up round)")
    add("--dir", type=Path, help="keep/reuse the generated clips here")
    add("--big", action="store_true", help="also generate and measure the 2.2 GiB 8-minute file")
    add("--no-cap", action="store_true", help="validate in this process, as `lms media inspect` does")
    add("--tasks", default=",".join(TASKS), help=f"comma-separated subset of {','.join(TASKS)}")
    add("--clips", default="", help="only clips whose name contains one of these (comma-separated)")
    add("--ffprobe", default=shutil.which("ffprobe"), help="ffprobe binary (default: from PATH)")
    parser.add_argument("--child", nargs=3, metavar=("TASK", "FILE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    global UNCAPPED
    UNCAPPED = args.no_cap
    if args.child:
        task, path, out = args.child
        if task != "imports":
            ours(task, Path(path), Path(out))
        forked = CHECK_CHILDREN_MIB if task == "job" else children_mib()
        print(json.dumps({"vmhwm_mib": max(vmhwm_mib(), forked)}))
        return
    tasks = [t for t in args.tasks.split(",") if t]
    unknown = set(tasks) - set(TASKS)
    if unknown:
        parser.error(f"unknown tasks: {', '.join(sorted(unknown))}")
    wanted = [w for w in args.clips.split(",") if w]
    clips = [c for c in CLIPS if (args.big or not c.big) and (not wanted or any(w in c.name for w in wanted))]
    ffprobe = args.ffprobe if args.ffprobe and Path(args.ffprobe).exists() else None
    notes = []
    if not args.big:
        notes.append(f"{CLIPS[-1].name}: skipped (pass --big to generate and measure it; it takes minutes)")
    if ffprobe is None and {"validate", "job"} & set(tasks):
        notes.append("validate and job rows: skipped, no ffprobe found (install ffprobe or pass --ffprobe)")
        tasks = [t for t in tasks if t not in ("validate", "job")]

    with tempfile.TemporaryDirectory(prefix="media-bench-") as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        generate(folder, clips)
        out = Path(scratch) / "out"
        out.mkdir()
        memory = Memory(Path(scratch))
        rows: list[Row] = []
        for clip in clips:
            path = folder / clip.name
            info = probe(path)
            for task in tasks:
                ours_cmd = lambda t=task, p=path: ours(t, p, out)  # noqa: E731
                rows.append(Row(clip, task, ours_cmd, reference(task, path, out, info, ffprobe), [], []))

        load_before = os.getloadavg()[0]
        print(f"\ntiming {len(rows)} pairs, {args.runs} rounds + warm-up (interleaved) ...", flush=True)
        interleaved(rows, args.runs)
        print("peak RSS, one fresh process per task ...", flush=True)
        baseline, _ = memory.ours("imports", "-", out)
        mem = {}
        for row in rows:
            mem[row.clip.name, row.task] = (
                memory.ours(row.task, folder / row.clip.name, out),
                memory.reference(row.ref_cmds, row.task),
            )
        load_after = os.getloadavg()[0]

        print(
            f"\n{os.cpu_count()} CPUs, load {load_before:.1f} -> {load_after:.1f}; "
            f"ffmpeg {_version([ffmpeg_exe(), '-version']).split(' version ')[-1]}, "
            f"{_version([ffprobe, '-version']) if ffprobe else 'no ffprobe'}; runs={args.runs}; "
            f"Python+imports baseline RSS {baseline:.0f} MiB"
        )
        header = (
            f"{'file':<22} {'task':<8} {'ours ms':>8} {'ref ms':>8} {'ratio':>6} {'rounds':>10} {'goal':>5}  "
            f"{'ours MiB':>9} {'ref MiB':>7}"
        )
        print(header)
        print("-" * (len(header) + 6))
        for row in rows:
            mine, theirs = statistics.median(row.ours_s), statistics.median(row.ref_s)
            ratio = mine / theirs
            paired = [a / b for a, b in zip(row.ours_s, row.ref_s)]
            spread = f"{min(paired):.2f}-{max(paired):.2f}"
            goal = GOALS[row.task]
            verdict = "-" if goal is None else ("ok" if ratio <= goal else "MISS")
            (py, ff), ref_mib = mem[row.clip.name, row.task]
            ours_mib = f"{py:.0f}" + (f"+{ff:.0f}" if ff else "")
            goal_text = "-" if goal is None else f"{goal:.1f}"
            print(
                f"{row.clip.name:<22} {row.task:<8} {mine * 1000:8.0f} {theirs * 1000:8.0f} {ratio:6.2f} "
                f"{spread:>10} {goal_text:>5}  {ours_mib:>9} {ref_mib:7.0f}  {verdict}"
            )
        for note in notes:
            print(note)


if __name__ == "__main__":
    main()
