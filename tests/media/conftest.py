"""Media samples made once per test session with the bundled FFmpeg and Pillow.

Clips are tiny (320x240, 1-4 s) so the whole set is generated in a few
seconds; nothing binary is committed.  The hostile samples are plain text or
hand-made headers.
"""

from __future__ import annotations

import io
import random
import socket
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image

from media.ffmpeg import ffmpeg_exe

LAVFI_VIDEO = "testsrc2=size=320x240:rate=25:duration={d}"
LAVFI_AUDIO = "sine=frequency=440:sample_rate=48000:duration={d}"
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def ffmpeg(*args: str) -> None:
    """Run the bundled ffmpeg for fixture generation (not the code under test)."""
    subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=120)


def _png_bomb(path: Path, width: int, height: int) -> None:
    """A valid-looking PNG declaring width x height pixels in under 100 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _exif_photo(path: Path) -> None:
    # Stored landscape, red left / blue right; orientation 6 means "turn 90°
    # clockwise to display", so it must come out portrait with red on top.
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    exif[0x010E] = "GPS home address"
    image.save(path, "JPEG", exif=exif.tobytes(), quality=95)


@pytest.fixture(scope="session")
def ffmpeg_cli():
    """The fixture generator, for tests that need a variant of a sample."""
    return ffmpeg


@pytest.fixture(scope="session")
def canary():
    """A listening TCP socket that no media code may ever connect to."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock
    sock.close()


@pytest.fixture(scope="session")
def media(tmp_path_factory, canary) -> dict[str, Path]:
    """name -> path of every generated sample."""
    d = tmp_path_factory.mktemp("media")
    f = {name: d / name for name in (
        "h264_aac.mp4", "h264_silent.mp4", "portrait.mp4", "hevc.mp4", "vp9.webm", "h264.mkv",
        "portrait.mkv", "mpeg4.avi", "black_start.mp4", "faststart.mp4", "audio_only.mp4", "tone.wav",
        "photo.jpg", "image.png", "truncated_moov.mp4", "truncated_faststart.mp4", "corrupt_middle.mp4",
        "random.bin", "empty.mp4", "hls_file.mp4", "hls_http.m3u8", "list.ffconcat", "drawing.png",
        "bomb.png", "truncated.jpg", "notes.txt", "h264.ts")}

    ffmpeg("-f", "lavfi", "-i", LAVFI_VIDEO.format(d=2), "-f", "lavfi", "-i", LAVFI_AUDIO.format(d=2),
           *X264, "-g", "25", "-c:a", "aac", "-shortest", str(f["h264_aac.mp4"]))
    ffmpeg("-i", str(f["h264_aac.mp4"]), "-c", "copy", "-an", str(f["h264_silent.mp4"]))
    ffmpeg("-display_rotation", "90", "-i", str(f["h264_silent.mp4"]), "-c", "copy", str(f["portrait.mp4"]))
    ffmpeg("-i", str(f["portrait.mp4"]), "-c", "copy", str(f["portrait.mkv"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_VIDEO.format(d=1), "-c:v", "libx265", "-preset", "ultrafast",
           "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", str(f["hevc.mp4"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_VIDEO.format(d=1), "-f", "lavfi", "-i", LAVFI_AUDIO.format(d=1),
           "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k",
           "-c:a", "libopus", "-shortest", str(f["vp9.webm"]))
    ffmpeg("-i", str(f["h264_aac.mp4"]), "-c", "copy", str(f["h264.mkv"]))
    # MPEG-TS clocks start at 1.4 s: times must be counted from the stream start.
    ffmpeg("-i", str(f["h264_aac.mp4"]), "-c", "copy", "-f", "mpegts", str(f["h264.ts"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_VIDEO.format(d=1), "-f", "lavfi", "-i", LAVFI_AUDIO.format(d=1),
           "-c:v", "mpeg4", "-c:a", "pcm_s16le", "-shortest", str(f["mpeg4.avi"]))
    ffmpeg("-f", "lavfi", "-i", "color=black:size=320x240:rate=25:duration=2.4",
           "-f", "lavfi", "-i", LAVFI_VIDEO.format(d=1.6),
           "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]", "-map", "[v]", *X264, "-g", "12",
           str(f["black_start.mp4"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_VIDEO.format(d=3), "-f", "lavfi", "-i", LAVFI_AUDIO.format(d=3),
           *X264, "-g", "25", "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(f["faststart.mp4"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_AUDIO.format(d=1), "-c:a", "aac", "-f", "mp4", str(f["audio_only.mp4"]))
    ffmpeg("-f", "lavfi", "-i", LAVFI_AUDIO.format(d=1), "-c:a", "pcm_s16le", str(f["tone.wav"]))

    _exif_photo(f["photo.jpg"])
    png = Image.new("RGBA", (64, 48), (10, 200, 30, 255))
    png.info["Comment"] = "secret"
    png.save(f["image.png"])
    _png_bomb(f["bomb.png"], 50_000, 50_000)

    data = f["h264_aac.mp4"].read_bytes()
    f["truncated_moov.mp4"].write_bytes(data[: int(len(data) * 0.6)])
    data = f["faststart.mp4"].read_bytes()
    f["truncated_faststart.mp4"].write_bytes(data[: len(data) // 2])
    data = bytearray(f["h264_silent.mp4"].read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8192] = random.Random(3).randbytes(8192)
    f["corrupt_middle.mp4"].write_bytes(bytes(data))
    noisy = io.BytesIO()
    Image.effect_noise((320, 240), 60).convert("RGB").save(noisy, "JPEG", quality=90)
    f["truncated.jpg"].write_bytes(noisy.getvalue()[: len(noisy.getvalue()) * 2 // 3])

    f["random.bin"].write_bytes(b"\x00\x13" + random.Random(7).randbytes(65536))
    f["empty.mp4"].write_bytes(b"")
    f["hls_file.mp4"].write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nfile:///etc/passwd\n"
                                 "#EXT-X-ENDLIST\n")
    port = canary.getsockname()[1]
    f["hls_http.m3u8"].write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n"
                                  f"http://127.0.0.1:{port}/segment.ts\n#EXT-X-ENDLIST\n")
    f["list.ffconcat"].write_text("ffconcat version 1.0\nfile '/etc/passwd'\n")
    f["drawing.png"].write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    f["notes.txt"].write_text("Shot list for the final project.\n1. Wide shot\n")
    return f


@pytest.fixture
def no_connection(canary):
    """Fails the test if anything connected to the canary socket during it."""
    yield canary
    with pytest.raises(BlockingIOError):
        conn, _ = canary.accept()
        conn.close()
