"""Web previews: only when needed, and then H.264/AAC MP4, upright, even, faststart."""

from __future__ import annotations

import pytest

from media.containers import mp4_layout
from media.errors import MediaError
from media.ffmpeg import FFmpegError
from media.preview import make_preview, needs_preview, preview_reasons
from media.probe import probe


@pytest.mark.parametrize(
    ("name", "needed"),
    [
        ("h264_aac.mp4", False),
        ("portrait.mp4", False),
        ("vp9.webm", False),
        ("hevc.mp4", True),
        ("h264.mkv", True),
        ("mpeg4.avi", True),
        ("photo.jpg", False),
        ("tone.wav", False),
    ],
)
def test_needs_preview(media, name, needed):
    assert needs_preview(probe(media[name])) is needed


def test_reasons_name_what_a_browser_lacks(media):
    assert preview_reasons(probe(media["mpeg4.avi"])) == ["container avi"]
    assert preview_reasons(probe(media["hevc.mp4"])) == ["video codec hevc"]


@pytest.mark.parametrize(
    ("name", "size", "audio"),
    [("hevc.mp4", (320, 240), None), ("portrait.mkv", (240, 320), None), ("mpeg4.avi", (320, 240), "aac")],
)
def test_preview_is_browser_ready(media, tmp_path, name, size, audio):
    result = make_preview(media[name], tmp_path / "preview.mp4")
    info = probe(result.path)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", audio)
    assert (info.width, info.height) == size and info.rotation == 0
    assert mp4_layout(result.path).top_level.index("moov") < mp4_layout(result.path).top_level.index("mdat")
    assert not needs_preview(info)
    assert [p.name for p in tmp_path.iterdir()] == ["preview.mp4"]


def test_preview_is_at_most_720p(media, tmp_path, ffmpeg_cli):
    big = tmp_path / "big.mkv"
    ffmpeg_cli(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1918x1080:rate=5:duration=0.4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv422p",
        str(big),
    )
    result = make_preview(big, tmp_path / "small.mp4")
    assert result.height <= 720 and result.width <= 1280
    assert result.width % 2 == 0 and result.height % 2 == 0


def test_preview_timeout_leaves_nothing(media, tmp_path):
    with pytest.raises(FFmpegError) as caught:
        make_preview(media["hevc.mp4"], tmp_path / "p.mp4", timeout=0.001)
    assert caught.value.timed_out
    assert list(tmp_path.iterdir()) == []


def test_preview_refuses_non_video(media, tmp_path):
    with pytest.raises(MediaError):
        make_preview(media["tone.wav"], tmp_path / "p.mp4")
