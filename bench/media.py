"""Benchmark posters, sprite sheets and probing against FFmpeg CLI references.

Run from the repository root (not part of the test suite; generating the
clips takes a minute or two on two cores)::

    .venv/bin/python bench/media.py [--runs 5] [--dir DIR]

Each row prints the median wall time of our path (in-process, as the worker
calls it, probe included), the median of the reference command measured in
the same run, their ratio, and the peak RSS of a fresh process doing the task
once (ours includes the Python interpreter and libraries; the baseline of a
process that only imports them is printed first).  References:

* poster: ``ffmpeg -ss T -i F -frames:v 1 -vf scale=320:-2 out.jpg`` (T = 10 %)
* sheet: one ffmpeg process with nine ``-ss`` inputs, scaled and stacked 3x3
* probe: ``ffmpeg -hide_banner -i F`` and parsing its text
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.ffmpeg import ffmpeg_exe  # noqa: E402
from media.probe import probe  # noqa: E402
from media.thumbnails import make_poster, sprite_sheet  # noqa: E402

GOALS = {"poster": 1.0, "sheet": 0.6, "probe": 1.0}
NOISE = "noise=alls=12:allf=t"
#: name -> (ffmpeg arguments, duration); GOP of 2 s for H.264/HEVC, libvpx's default for VP9.
CLIPS = {
    "h264_1080p_60s.mp4": (
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=60",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=60",
            "-vf",
            NOISE,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "8M",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ],
        60,
    ),
    "h264_4k_10s.mp4": (
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=3840x2160:rate=30:duration=10",
            "-vf",
            NOISE,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "30M",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
        ],
        10,
    ),
    "hevc_1080p_10s.mp4": (
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=10",
            "-vf",
            NOISE,
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-b:v",
            "6M",
            "-x265-params",
            "keyint=60:min-keyint=60:log-level=error",
            "-tag:v",
            "hvc1",
            "-pix_fmt",
            "yuv420p",
        ],
        10,
    ),
    "vp9_1080p_10s.webm": (
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=10",
            "-vf",
            NOISE,
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            "-b:v",
            "6M",
            "-pix_fmt",
            "yuv420p",
        ],
        10,
    ),
}


def generate(folder: Path) -> None:
    """Write the benchmark clips that are not in *folder* yet."""
    for name, (args, _duration) in CLIPS.items():
        target = folder / name
        if target.exists():
            continue
        print(f"generating {name} ...", flush=True)
        subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args, str(target)], check=True)


def ours(task: str, path: Path, out: Path) -> None:
    """Our path for *task*, from nothing but the file name."""
    if task == "poster":
        make_poster(path, out / "poster.jpg")
    elif task == "sheet":
        sprite_sheet(path, out / "sheet.jpg", count=9, columns=3, tile_width=160)
    else:
        probe(path)


def reference(task: str, path: Path, out: Path, duration: float) -> list[str]:
    """The FFmpeg command line that does *task*."""
    ff = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    if task == "poster":
        return [
            *ff,
            "-ss",
            f"{duration * 0.1:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            "scale=320:-2",
            str(out / "ref_poster.jpg"),
        ]
    if task == "sheet":
        inputs: list[str] = []
        for i in range(9):
            inputs += ["-ss", f"{duration * (i + 0.5) / 9:.3f}", "-i", str(path)]
        graph = ";".join(f"[{i}:v]scale=160:-2[v{i}]" for i in range(9))
        graph += ";" + ";".join(f"[v{3 * r}][v{3 * r + 1}][v{3 * r + 2}]hstack=3[r{r}]" for r in range(3))
        graph += ";[r0][r1][r2]vstack=3[out]"
        return [
            *ff,
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-frames:v",
            "1",
            str(out / "ref_sheet.jpg"),
        ]
    return [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path)]


_PARSE = (
    re.compile(r"Duration: (\d+):(\d+):([\d.]+)"),
    re.compile(r"Stream #.*Video: (\w+).*?, (\d+)x(\d+)"),
)


def run_reference(command: list[str], task: str) -> None:
    """Run the reference; for the probe, parse what ``ffmpeg -i`` printed like moviepy does."""
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if task == "probe":
        if not all(p.search(done.stderr) for p in _PARSE):
            raise RuntimeError("could not parse ffmpeg -i output")
    elif done.returncode != 0:
        raise RuntimeError(done.stderr[-500:])


def timed(function, runs: int) -> float:
    """Median seconds of *runs* calls after one warm-up."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# Linux keeps ru_maxrss across exec(), so a child forked from this (large)
# process would report our own footprint.  A small Python launcher forks the
# command instead and reports that grandchild's peak.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_rss_mib(command: list[str], check: bool = True) -> float:
    """Peak resident memory of one fresh process running *command* (MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True, check=True
    )
    code, max_rss_kib = map(int, done.stdout.split())
    if check and code != 0:
        raise RuntimeError(f"{command[:4]} exited {code}")
    return max_rss_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median)")
    parser.add_argument("--dir", type=Path, help="keep/reuse the generated clips here")
    parser.add_argument("--child", nargs=3, metavar=("TASK", "FILE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, path, out = args.child
        if task != "imports":
            ours(task, Path(path), Path(out))
        return
    with tempfile.TemporaryDirectory(prefix="media-bench-") as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        generate(folder)
        out = Path(scratch)
        me = [sys.executable, __file__, "--child"]
        baseline = peak_rss_mib([*me, "imports", "-", str(out)])
        print(
            f"\n{os.cpu_count()} CPUs, ffmpeg {ffmpeg_exe().rsplit('-v', 1)[-1]}, runs={args.runs}; "
            f"Python+imports baseline RSS {baseline:.0f} MiB"
        )
        header = (
            f"{'file':<20} {'task':<7} {'ours ms':>8} {'ref ms':>8} {'ratio':>6} {'goal':>5}  "
            f"{'ours MiB':>8} {'ref MiB':>8}"
        )
        print(header)
        print("-" * len(header))
        for name, (_args, duration) in CLIPS.items():
            path = folder / name
            for task in ("poster", "sheet", "probe"):
                command = reference(task, path, out, duration)
                mine = timed(lambda: ours(task, path, out), args.runs)
                theirs = timed(lambda: run_reference(command, task), args.runs)
                mem_ours = peak_rss_mib([*me, task, str(path), str(out)])
                # "ffmpeg -i" alone exits 1 (no output file) after printing what we parse.
                mem_ref = peak_rss_mib(command, check=task != "probe")
                ratio = mine / theirs
                verdict = "ok" if ratio <= GOALS[task] else "MISS"
                print(
                    f"{name:<20} {task:<7} {mine * 1000:8.0f} {theirs * 1000:8.0f} {ratio:6.2f} "
                    f"{GOALS[task]:5.1f}  {mem_ours:8.0f} {mem_ref:8.0f}  {verdict}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
