"""Right verdicts on odd and hostile files, each made here: a refusal says what is wrong, a tiny valid file is
accepted, and nothing escapes the check as a crash or a retry for ever."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import av.error
import pytest
from PIL import Image

from media import services
from media.ffmpeg import ffmpeg_exe
from media.messages import describe
from media.models import MediaStatus
from media.validation import DeliverableSpec, validate

ROOT = Path(__file__).resolve().parents[2]


def _gif(screen: tuple[int, int], frame: tuple[int, int]) -> bytes:
    """A GIF whose logical screen and first frame have the given sizes (35 bytes, 2-colour table)."""
    head = b"GIF89a" + struct.pack("<HHBBB", *screen, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    return head + b"\x2c" + struct.pack("<HHHHB", 0, 0, *frame, 0) + b"\x02\x02\x44\x01\x00\x3b"


def _deep_png_bomb(path: Path, side: int) -> None:
    """A *side* x *side* black greyscale PNG: a few MB on disk, side² bytes once decoded."""
    row = b"\x00" * (side + 1)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def test_a_gif_announcing_a_giant_frame_is_refused_not_a_crash(tmp_path):
    path = tmp_path / "bomb.gif"
    path.write_bytes(_gif((1, 1), (65535, 65535)))  # Pillow's own bomb check fires while reading the header
    report = validate(path, DeliverableSpec(kinds=["image"]))
    assert report.codes == ["too_many_pixels"]
    assert report.problems[0].params["measured"] == 65535 * 65535
    assert "megapixel" in describe(report.problems[0])


def test_a_file_with_neither_picture_nor_sound_is_never_a_video(media):
    for spec in (DeliverableSpec(kinds=["video"]), DeliverableSpec()):
        report = validate(media["words_only.mkv"], spec)  # subtitles only
        assert not report.ok and report.codes == ["no_streams"]
    assert "no picture and no sound" in describe({"code": "no_streams", "params": {}})


def test_a_video_without_a_single_frame_is_damaged_not_cut_off(tmp_path):
    source = tmp_path / "tiny.avi"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=s=32x32:d=0.04:r=25", "-c:v", "mpeg4", str(source))
    data = bytearray(source.read_bytes())
    at = data.find(b"movi")
    while (at := data.find(b"00dc", at + 1)) >= 0:
        data[at : at + 4] = b"JUNK"  # the headers still promise a video stream; no frame is left
    path = tmp_path / "no-frames.avi"
    path.write_bytes(bytes(data))
    report = validate(path, DeliverableSpec(kinds=["video"]))
    assert report.codes == ["corrupt"]


def test_bigtiff_is_recognised(tmp_path):
    path = tmp_path / "scan.tif"
    Image.new("RGB", (40, 30), "blue").save(path, format="TIFF", big_tiff=True)
    assert path.read_bytes()[:4] == b"II+\x00"
    report = validate(path, DeliverableSpec(kinds=["image"]))
    assert report.ok and (report.info["width"], report.info["height"]) == (40, 30)


@pytest.mark.parametrize(
    "name, data",
    [
        # 26 bytes: an empty frame, then the trailer; browsers draw it.
        ("tiny.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;"),
        (
            "tiny.webp",
            b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
        ),
    ],
)
def test_tiny_valid_pictures_are_accepted(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    report = validate(path, DeliverableSpec(kinds=["image"]))
    assert report.ok, report.codes


@pytest.mark.parametrize("seconds", [0.02, 0.05, 0.3])
def test_tiny_valid_sound_files_are_accepted(tmp_path, seconds):
    """A few MP3 frames (436 bytes for 0.02 s) are a whole file, not a damaged one."""
    path = tmp_path / "tiny.mp3"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "32k",
        str(path),
    )
    assert path.stat().st_size < 2000
    report = validate(path, DeliverableSpec(kinds=["audio"]))
    assert report.ok, report.codes
    assert report.kind == "audio"


def test_a_cut_off_gif_is_still_truncated(tmp_path):
    path = tmp_path / "cut.gif"
    Image.effect_noise((64, 64), 60).convert("L").save(path)
    path.write_bytes(path.read_bytes()[:-40])
    assert validate(path, DeliverableSpec(kinds=["image"])).codes == ["truncated"]


def test_a_web_page_behind_a_picture_header_is_named_not_called_cut_off(tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(picture, format="JPEG")
    path = tmp_path / "photo.jpg"
    path.write_bytes(picture.getvalue()[:200] + b"<html><script>alert(1)</script></html>" * 20)
    report = validate(path, DeliverableSpec(kinds=["image"]))
    assert report.codes == ["unsafe_content"]
    message = describe(report.problems[0])
    assert "web page" in message and "again" not in message


_PEAK = """
import re, sys
from media.validation import DeliverableSpec, validate
report = validate(sys.argv[1], DeliverableSpec(kinds=["image"]))
# VmHWM belongs to this program's memory since exec (ru_maxrss would carry the forking parent's peak).
status = open("/proc/self/status").read()
print(report.codes, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def test_a_png_pixel_bomb_is_refused_before_any_pixel_is_decoded(tmp_path):
    """25000 x 25000 in 2 MB: Pillow decoded all of it (600 MB here, 2.5 GB in colour) to look for EXIF."""
    path = tmp_path / "bomb.png"
    _deep_png_bomb(path, 25000)
    assert path.stat().st_size < 3_000_000
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    codes, peak_kib = done.stdout.rsplit(" ", 1)
    assert codes == "['too_many_pixels']"
    assert int(peak_kib) < 200 * 1024, peak_kib


def test_a_seek_error_on_a_crafted_file_is_a_rejection_not_a_retry(upload, media, monkeypatch):
    """PyAV's errors are OSErrors; the job used to retry them as passing faults, for ever."""

    def refuses_to_seek(*_args, **_kwargs):
        raise av.error.PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(services, "smart_poster", refuses_to_seek)
    m = upload(media["h264_aac.mp4"], spec={"kinds": ["video"]})
    assert m.status is MediaStatus.REJECTED
    assert [p["code"] for p in m.problems] == ["corrupt"]
    assert m.attempts <= 1
