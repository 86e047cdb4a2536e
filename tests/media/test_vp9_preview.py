"""WebM/VP9 uploads get an H.264/AAC preview that every phone plays, made within the usual bounds."""

from __future__ import annotations

import resource

import pytest

from media.containers import mp4_layout
from media.ffmpeg import FFmpegError
from media.preview import make_preview, needs_preview, needs_transcode
from media.probe import probe
from tests.media.test_views import fetch


@pytest.mark.parametrize(
    ("name", "transcode"),
    [
        ("vp9.webm", True),  # a desktop browser plays it; many phones do not
        ("h264_aac.mp4", False),
        ("portrait.mp4", False),
        ("hevc.mp4", True),
        ("h264.mkv", True),
        ("tone.wav", False),
        ("photo.jpg", False),
    ],
)
def test_what_is_transcoded(media, name, transcode):
    assert needs_transcode(probe(media[name])) is transcode


def test_vp9_is_still_playable_on_a_desktop(media):
    assert not needs_preview(probe(media["vp9.webm"]))


def test_the_vp9_preview_is_h264_aac_and_bounded(media, tmp_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = make_preview(media["vp9.webm"], tmp_path / "preview.mp4")
    info = probe(result.path)
    assert (info.container, info.video_codec, info.audio_codec, info.pix_fmt) == (
        "mp4",
        "h264",
        "aac",
        "yuv420p",
    )
    assert (info.width, info.height) == (320, 240)
    assert abs((info.duration or 0) - (probe(media["vp9.webm"]).duration or 0)) < 0.2
    layout = mp4_layout(result.path).top_level
    assert layout.index("moov") < layout.index("mdat")  # plays while it downloads
    assert [p.name for p in tmp_path.iterdir()] == ["preview.mp4"]
    # A one-second 320x240 clip: seconds and a few hundred MiB at most (FFmpeg's own cap is 3 GiB).
    assert result.elapsed < 30
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 1024 * 1024 or peak_kib == before


def test_a_vp9_transcode_that_overruns_is_stopped(media, tmp_path):
    with pytest.raises(FFmpegError):
        make_preview(media["vp9.webm"], tmp_path / "preview.mp4", timeout=0.01)
    assert list(tmp_path.iterdir()) == []


def test_a_vp9_upload_gets_an_mp4_preview(upload, media, client, login, app):
    m = upload(media["vp9.webm"])
    assert m.status.value == "ready", m.problems
    preview = m.rendition("preview")
    assert preview.content_type == "video/mp4" and preview.storage_key.endswith(".mp4")
    login(m.owner)
    served = fetch(client, f"/media/{m.id}/preview.mp4")
    assert served.status_code == 200 and served.mimetype == "video/mp4"
    assert fetch(client, f"/media/{m.id}/preview.webm").status_code == 404
    original = fetch(client, f"/media/{m.id}/download")
    assert original.status_code == 200 and original.data == media["vp9.webm"].read_bytes()  # kept as uploaded
