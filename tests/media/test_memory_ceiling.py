"""Bounded memory: pixel bombs are refused from their headers, and what a decoder allocates anyway is capped.

The corpus is made here in a few seconds: a 25000 x 25000 PNG (2 MB), a 16000 x 16000 16-bit PNG inside an
MKV (the decoder FFmpeg runs while opening the file used to take 2 GB), JPEG and TIFF headers that announce
billions of pixels, a GIF frame bomb, and a 4000 x 4000 16-bit colour PNG inside an MKV whose size passes the
pixel check but whose decoding needs more than the ceiling the test sets.  Each is checked in a fresh Python
process whose peak memory (``VmHWM``, and that of the forked checking children) is asserted.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import secrets
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import av.error
import pytest
from PIL import Image

from media.errors import MediaError
from media.ffmpeg import ffmpeg_exe
from media.messages import describe
from media.models import MediaStatus
from media.probe import MAX_DECODE_PIXELS
from media.sandbox import run_bounded
from media.validation import DeliverableSpec, validate

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024**2
#: The shipped ceiling (MEDIA_MEMORY_LIMIT_MIB).
CEILING = 256 * MIB


def zeros_zlib(size: int, block: int = 1 << 20) -> bytes:
    """*size* zero bytes as a zlib stream, made in milliseconds: one deflated block that refers to nothing
    before it (a full flush) is repeated, so only the checksum runs over all the bytes."""
    count, rest = divmod(size, block)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = packer.compress(bytes(block)) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = packer.compress(bytes(rest)) + packer.flush()
    checksum = 1
    zeros = bytes(block)
    for _ in range(count):
        checksum = zlib.adler32(zeros, checksum)
    checksum = zlib.adler32(bytes(rest), checksum)
    return b"\x78\xda" + repeated * count + last + struct.pack(">I", checksum)


def _png(path: Path, side: int, *, depth: int = 8, colour: int = 0) -> None:
    """A black *side* x *side* PNG (colour type 0 grey or 2 RGB) of honest pixels: a few MB on disk."""
    channels = 3 if colour == 2 else 1
    data = zeros_zlib(side * (side * channels * depth // 8 + 1))  # each row: filter byte 0, then its pixels

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, depth, colour, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _in_mkv(picture: Path, path: Path) -> None:
    """The picture as the one frame of a PNG video stream in Matroska (copied, not re-encoded)."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(picture),
            "-c",
            "copy",
            "-f",
            "matroska",
            str(path),
        ],
        check=True,
        timeout=60,
    )


def _jpeg_claiming(path: Path, width: int, height: int) -> None:
    """A small JPEG whose frame header (SOF0) is rewritten to announce *width* x *height*."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))


def _tiff_claiming(path: Path, width: int, height: int) -> None:
    """A 1 x 1 TIFF whose ImageWidth/ImageLength tags are rewritten."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    for n in range(count):
        entry = ifd + 2 + 12 * n
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT or LONG
            value = width if tag == 256 else height
            struct.pack_into("<HHII", data, entry, tag, 4, 1, value)
    path.write_bytes(bytes(data))


def _gif_frame_bomb(path: Path) -> None:
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    path.write_bytes(
        head + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00\x3b"
    )


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    files = {
        name: d / name for name in ("huge.png", "deep.mkv", "huge.jpg", "huge.tif", "frame.gif", "heavy.mkv")
    }
    _png(files["huge.png"], 25000)
    _png(d / "deep.png", 16000, depth=16)
    _in_mkv(d / "deep.png", files["deep.mkv"])
    _jpeg_claiming(files["huge.jpg"], 65000, 65000)
    _tiff_claiming(files["huge.tif"], 200_000, 200_000)
    _gif_frame_bomb(files["frame.gif"])
    _png(d / "heavy.png", 4000, depth=16, colour=2)  # 16 MP: within the pixel limit, 96 MB decoded
    _in_mkv(d / "heavy.png", files["heavy.mkv"])
    return files


_CHECK = """
import json, resource, sys
from media.validation import validate
results = {}
for path, limit in json.loads(sys.argv[1]):
    report = validate(path, memory_limit=limit)
    results[path] = [report.codes, report.problems[0].params if report.problems else {}]
# VmHWM: this process since exec; RUSAGE_CHILDREN: the largest forked checking child (inherited pages too).
status = open("/proc/self/status").read()
own = int(status.split("VmHWM:")[1].split()[0]) * 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"results": results, "own": own, "children": children}))
"""


def _check(jobs: list[tuple[Path, int | None]]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, json.dumps([(str(p), limit) for p, limit in jobs])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


HEADER_BOMBS = {
    "huge.png": 25000 * 25000,
    "deep.mkv": 16000 * 16000,
    "huge.jpg": 65000 * 65000,
    "huge.tif": 200_000 * 200_000,
    "frame.gif": 65535 * 65535,
}


def test_pixel_bombs_are_refused_from_their_headers_in_little_memory(bombs):
    """No sandbox at all: the header checks alone keep every bomb far under the ceiling."""
    out = _check([(bombs[name], None) for name in HEADER_BOMBS])
    for name, pixels in HEADER_BOMBS.items():
        codes, params = out["results"][str(bombs[name])]
        assert codes == ["too_many_pixels"], (name, codes, params)
        assert params["measured"] == pixels, name
    assert out["own"] < 160 * MIB, out["own"]  # the interpreter, PyAV and Pillow take about 60 MiB of it


def test_the_ceiling_holds_where_no_header_tells(bombs):
    """16 MP passes the pixel check but decodes into 96 MB (more with the conversion): under a 64 MiB ceiling
    the check says so, and neither the checking process nor its child grew past the ceiling."""
    limit = 64 * MIB
    out = _check([(bombs["heavy.mkv"], limit), (bombs["deep.mkv"], CEILING), (bombs["huge.png"], CEILING)])
    codes, params = out["results"][str(bombs["heavy.mkv"])]
    assert codes == ["too_much_memory"] and params["limit"] == limit
    assert out["results"][str(bombs["deep.mkv"])][0] == ["too_many_pixels"]
    assert out["own"] < CEILING and out["children"] < CEILING, out


def test_the_same_file_passes_with_room(bombs, media):
    assert validate(bombs["heavy.mkv"], memory_limit=CEILING).ok
    assert validate(media["h264_aac.mp4"], memory_limit=64 * MIB).ok


def test_decoders_get_the_pixel_limit(bombs):
    """Opening the MKV decodes its PNG frame to learn what the headers leave out; max_pixels stops that."""
    report = validate(bombs["deep.mkv"], DeliverableSpec(kinds=["video"]))
    assert report.codes == ["too_many_pixels"]
    assert report.problems[0].params["limit"] == MAX_DECODE_PIXELS
    assert "megapixel" in describe(report.problems[0])


def _grow(megabytes: int) -> int:
    block = bytearray(megabytes * MIB)
    return len(block)


def _crash() -> None:
    faulthandler.disable()  # pytest's handler would print this child's stack
    os.kill(os.getpid(), signal.SIGSEGV)


def _refuse() -> None:
    raise MediaError("corrupt", "bad frame", measured=3)


def _seek_error() -> None:
    raise av.error.PermissionError(1, "Operation not permitted")


def test_run_bounded_gives_back_results_and_errors():
    assert run_bounded(_grow, 8, limit=64 * MIB) == 8 * MIB
    with pytest.raises(MediaError) as refused:
        run_bounded(_refuse, limit=64 * MIB)
    assert (refused.value.code, refused.value.detail, refused.value.params) == (
        "corrupt",
        "bad frame",
        {"measured": 3},
    )
    with pytest.raises(av.error.PermissionError):
        run_bounded(_seek_error, limit=64 * MIB)


SCALED_BEFORE_THE_FORK = """
import numpy, av
from media.sandbox import run_bounded

def frame():
    pixels = numpy.random.randint(0, 255, (720, 1280, 3), dtype="uint8")
    return av.VideoFrame.from_ndarray(pixels, format="rgb24")

frame().reformat(width=640, height=360, format="yuv420p")  # this thread's scaler, with its slice threads

def in_the_child():
    return frame().reformat(width=320, height=180, format="gray").width

print(run_bounded(in_the_child, limit=512 * 1024**2))
"""


def test_a_child_scales_frames_after_the_parent_did():
    """PyAV 18.1.1 shares one scaler per thread; a child forked after the parent scaled a frame inherited it
    without its slice threads and waited for them for ever (every upload check hung in CI). In a process of
    its own, so a hang fails the test instead of stopping the suite."""
    done = subprocess.run(
        [sys.executable, "-c", SCALED_BEFORE_THE_FORK], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "320"), done.stderr[-2000:]


def test_run_bounded_turns_running_out_and_crashing_into_verdicts():
    before = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    with pytest.raises(MediaError) as out:
        run_bounded(_grow, 512, limit=64 * MIB)
    assert out.value.code == "too_much_memory" and out.value.params["limit"] == 64 * MIB
    after = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    assert after - before < 32 * 1024  # KiB: the 512 MB were asked for in the child, never here
    with pytest.raises(MediaError) as crashed:
        run_bounded(_crash, limit=64 * MIB)
    assert crashed.value.code == "corrupt" and "SIGSEGV" in crashed.value.detail
    assert run_bounded(_grow, 512, limit=None) == 512 * MIB  # None: in this process, unbounded


class _Interrupted(Exception):
    pass


def test_an_interrupted_parent_takes_its_child_down():
    """Celery's soft time limit raises in the worker while it waits: the child is killed and reaped."""

    def interrupt(_signum, _frame):
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    before = set(_children(os.getpid()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        started = time.monotonic()
        with pytest.raises(_Interrupted):
            run_bounded(time.sleep, 30, limit=64 * MIB)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    assert set(_children(os.getpid())) == before  # killed and reaped: not even a zombie is left


_ORPHAN = """
import sys, time
from media.sandbox import run_bounded
print("started", flush=True)
run_bounded(time.sleep, 60, limit=64 * 1024**2)
"""


def test_a_checking_child_dies_with_its_worker():
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    with parent, parent.stdout:
        assert parent.stdout.readline().strip() == "started"
        children = _wait_for(lambda: _children(parent.pid))
        assert children, "no checking child was started"
        parent.kill()
    assert _wait_for(lambda: not any(_alive(pid) for pid in children)), (
        "the checking child outlived its worker"
    )


def _wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for an init that does not reap (as in some containers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_the_job_rejects_what_needs_too_much_memory(upload, bombs, app, media):
    """Never ``failed``, never retried: a permanent refusal with a message that says what to do."""
    app.config["MEDIA_MEMORY_LIMIT_MIB"] = 64
    m = upload(bombs["heavy.mkv"], spec={"kinds": ["video"]})
    assert m.status is MediaStatus.REJECTED and m.attempts <= 1
    assert [p["code"] for p in m.problems] == ["too_much_memory"]
    assert "67.1 MB" in describe(m.problems[0])
    m = upload(bombs["deep.mkv"], spec={"kinds": ["video"]})
    assert m.status is MediaStatus.REJECTED and [p["code"] for p in m.problems] == ["too_many_pixels"]
    m = upload(media["h264_aac.mp4"], spec={"kinds": ["video"]})  # the renditions fit in the same ceiling
    assert m.status is MediaStatus.READY and {r.role for r in m.renditions} >= {"poster", "sprite", "preview"}


_SEED = """
import io, sys
from pathlib import Path
from lms import create_app
from lms.extensions import db
from lms.jobs import commit
from lms.users.models import Role, User
from media import services
app = create_app()
with app.app_context():
    db.create_all()
    owner = User(email="t@ceiling.example", name="Trainee", role=Role.TRAINEE, locale="en")
    db.session.add(owner)
    db.session.commit()
    for name in sys.argv[1:]:
        path = Path(name)
        data, spec = io.BytesIO(path.read_bytes()), {"kinds": ["video"]}
        media = services.register_upload(owner, data, filename=path.name, declared_type="", spec=spec)
        commit()  # queued for the worker
        print(media.id)
"""

_STATUS = """
import json
from lms import create_app
from lms.extensions import db
from media.models import MediaFile
app = create_app()
with app.app_context():
    rows = db.session.query(MediaFile).order_by(MediaFile.id).all()
    print(json.dumps([[m.status.value, [p["code"] for p in m.problems or []], m.attempts] for m in rows]))
"""


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_real_prefork_worker_checks_in_capped_children(tmp_path, bombs, media):
    """Celery's pool processes are daemons (multiprocessing may not start children there): the fork still
    works, a bomb is rejected and a good clip is ready."""
    env = dict(
        os.environ,
        LMS_INSTANCE_PATH=str(tmp_path / "instance"),
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_MEDIA_MEMORY_LIMIT_MIB="64",
        LMS_BABEL_DEFAULT_LOCALE="en",
        PYTHONPATH=str(ROOT),
    )
    run = lambda code, *args: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    seeded = run(_SEED, str(bombs["heavy.mkv"]), str(bombs["deep.mkv"]), str(media["h264_aac.mp4"]))
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "lms.cli", "worker", "--concurrency", "1"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        states: list = []
        for _ in range(180):
            done = run(_STATUS)
            assert done.returncode == 0, done.stderr[-3000:]
            states = json.loads(done.stdout.splitlines()[-1])
            if all(status not in ("pending", "processing") for status, _codes, _n in states):
                break
            subprocess.run(["sleep", "1"], check=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
    assert states == [
        ["rejected", ["too_much_memory"], 1],
        ["rejected", ["too_many_pixels"], 1],
        ["ready", [], 1],
    ], (tmp_path / "worker.log").read_text()[-3000:]
