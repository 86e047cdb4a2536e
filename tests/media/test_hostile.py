"""Playlists and lists of other files never make anything read /etc/passwd or dial out."""

from __future__ import annotations

import av
import pytest

from media.errors import MediaError
from media.ffmpeg import FFmpegError, input_args, run_ffmpeg
from media.preview import make_preview
from media.probe import open_container
from media.thumbnails import image_thumbnail, make_poster, sprite_sheet
from media.validation import DeliverableSpec, validate

HOSTILE = ["hls_file.mp4", "hls_http.m3u8", "list.ffconcat", "drawing.png"]


@pytest.mark.parametrize("name", HOSTILE)
def test_library_refuses_hostile_files(media, tmp_path, no_connection, name):
    report = validate(media[name], DeliverableSpec(kinds=["video", "image"]))
    assert report.codes == ["unsafe_content"]
    assert "root:" not in str(report.to_dict())
    for make in (
        lambda: make_poster(media[name], tmp_path / "p.jpg"),
        lambda: sprite_sheet(media[name], tmp_path / "s.jpg"),
        lambda: make_preview(media[name], tmp_path / "v.mp4"),
        lambda: image_thumbnail(media[name], tmp_path / "t.jpg"),
    ):
        with pytest.raises(MediaError) as caught:
            make()
        assert caught.value.code == "unsafe_content"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("container", ["mp4", "matroska", "mpegts", "avi"])
def test_forced_demuxers_do_not_follow_playlists(media, tmp_path, no_connection, container):
    """Even if sniffing were fooled, an allow-listed demuxer reads no playlist."""
    for name in ("hls_http.m3u8", "hls_file.mp4", "list.ffconcat"):
        with pytest.raises((av.error.FFmpegError, MediaError)):
            with open_container(media[name], container) as opened:
                for _packet in opened.demux():
                    pass
                raise MediaError("corrupt", "opened but produced nothing")
        out = tmp_path / "x.png"
        with pytest.raises(FFmpegError):
            run_ffmpeg(
                [*input_args(media[name], container), "-frames:v", "1", "-y", f"file:{out}"], timeout=10
            )
        assert not out.exists()
