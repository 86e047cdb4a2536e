"""Probing: display geometry, streams, allow-listed demuxers, integrity tiers."""

from __future__ import annotations

import av
import pytest

from media.containers import matroska_rotation, mp4_layout
from media.errors import MediaError
from media.integrity import check_integrity
from media.probe import open_container, probe


@pytest.mark.parametrize(
    ("name", "container", "video", "audio", "size"),
    [
        ("h264_aac.mp4", "mp4", "h264", "aac", (320, 240)),
        ("hevc.mp4", "mp4", "hevc", None, (320, 240)),
        ("vp9.webm", "webm", "vp9", "opus", (320, 240)),
        ("h264.mkv", "matroska", "h264", "aac", (320, 240)),
        ("mpeg4.avi", "avi", "mpeg4", "pcm_s16le", (320, 240)),
    ],
)
def test_video_facts(media, name, container, video, audio, size):
    info = probe(media[name])
    assert info.kind == "video"
    assert (info.container, info.video_codec, info.audio_codec) == (container, video, audio)
    assert (info.width, info.height) == size
    assert info.has_audio is (audio is not None)
    assert info.fps == pytest.approx(25, abs=0.1)
    assert info.pixels == 320 * 240
    assert info.duration == pytest.approx(2.0 if name.startswith("h264") else 1.0, abs=0.05)


@pytest.mark.parametrize("name", ["portrait.mp4", "portrait.mkv"])
def test_rotation_swaps_display_size(media, name):
    info = probe(media[name])
    assert (info.coded_width, info.coded_height) == (320, 240)
    assert (info.width, info.height) == (240, 320)
    assert info.rotation == 90


@pytest.mark.parametrize("angle", [90, 180, -90])
def test_header_rotation_matches_pyav_frames(media, tmp_path, ffmpeg_cli, angle):
    """The tkhd/Projection readers agree with PyAV's decoded display matrix."""
    ffmpeg = ffmpeg_cli
    mp4, mkv = tmp_path / "r.mp4", tmp_path / "r.mkv"
    ffmpeg("-display_rotation", str(angle), "-i", str(media["h264_silent.mp4"]), "-c", "copy", str(mp4))
    ffmpeg("-i", str(mp4), "-c", "copy", str(mkv))
    with av.open(str(mp4)) as container:
        expected = next(container.decode(video=0)).rotation % 360
    assert mp4_layout(mp4).rotations[1] == expected
    assert matroska_rotation(mkv) == expected


def test_audio_only_and_images(media):
    assert probe(media["audio_only.mp4"]).kind == "audio"
    assert probe(media["tone.wav"]).kind == "audio"
    photo = probe(media["photo.jpg"])
    # Stored 80x40 with EXIF orientation 6: displayed 40x80.
    assert (photo.kind, photo.width, photo.height, photo.coded_width) == ("image", 40, 80, 80)


def test_bomb_is_measured_without_decoding(media):
    info = probe(media["bomb.png"])
    assert info.pixels == 50_000 * 50_000


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty.mp4", "empty_file"),
        ("hls_file.mp4", "unsafe_content"),
        ("drawing.png", "unsafe_content"),
        ("random.bin", "unrecognized_format"),
        ("truncated_moov.mp4", "truncated"),
    ],
)
def test_probe_refusals(media, name, code):
    with pytest.raises(MediaError) as caught:
        probe(media[name])
    assert caught.value.code == code
    assert str(media[name]) not in caught.value.detail


def test_demuxer_is_forced_from_the_allow_list(media):
    with open_container(media["h264.mkv"], "matroska") as container:
        assert "matroska" in container.format.name
    with pytest.raises(MediaError):
        open_container(media["hls_file.mp4"], "hls")
    with pytest.raises(av.error.InvalidDataError):
        open_container(media["hls_file.mp4"], "mp4")


def test_mp4_layout_tells_cut_off_uploads(media):
    assert not mp4_layout(media["faststart.mp4"]).truncated
    assert mp4_layout(media["faststart.mp4"]).top_level[:2] == ["ftyp", "moov"]
    assert mp4_layout(media["truncated_faststart.mp4"]).truncated
    cut = mp4_layout(media["truncated_moov.mp4"])
    assert cut.truncated and not cut.has_moov


def test_integrity_tiers(media):
    whole = check_integrity(media["h264_aac.mp4"], probe(media["h264_aac.mp4"]))
    assert whole.ok and whole.mode == "full" and whole.decoded_frames == 50
    cut = check_integrity(media["truncated_faststart.mp4"], probe(media["truncated_faststart.mp4"]))
    # The header promises 3 s (FACTS.md); the packets reach about half of it.
    assert cut.code == "truncated" and cut.stated == pytest.approx(3.0)
    assert cut.readable == pytest.approx(1.5, abs=0.3)
    damaged = check_integrity(media["corrupt_middle.mp4"], probe(media["corrupt_middle.mp4"]))
    assert damaged.code == "corrupt" and damaged.decode_errors >= 1
    quick = check_integrity(media["h264_aac.mp4"], probe(media["h264_aac.mp4"]), decode="keyframes")
    assert quick.ok and quick.decoded_frames == 2


@pytest.mark.parametrize("name", ["h264_aac.mp4", "vp9.webm", "h264.mkv", "mpeg4.avi", "h264.ts", "tone.wav"])
def test_a_sampled_check_accepts_whole_files_decoding_a_frame_per_sample(media, name):
    result = check_integrity(media[name], probe(media[name]), decode="sampled")
    assert result.ok, (result.code, result.detail)
    assert result.mode in ("sampled", "full")  # a container that cannot seek is read whole
    assert 1 <= result.decoded_frames <= 5 * 2 or result.mode == "full"


def test_a_sampled_check_finds_where_a_cut_off_file_stops(media):
    info = probe(media["truncated_faststart.mp4"])
    cut = check_integrity(media["truncated_faststart.mp4"], info, decode="sampled")
    assert cut.mode == "sampled" and cut.code == "truncated"
    assert cut.readable == pytest.approx(1.5, abs=0.6)  # measured by narrowing between samples


def test_long_files_are_sampled_and_short_ones_read_whole(media):
    from dataclasses import replace

    from media.integrity import _decode_mode

    clip = probe(media["h264_aac.mp4"])  # 2 s of 320 x 240
    assert _decode_mode(clip, "auto") == "full"
    assert (
        _decode_mode(replace(clip, coded_width=1920, coded_height=1080, duration=60.0), "auto") == "sampled"
    )
    song = probe(media["tone.wav"])
    assert _decode_mode(song, "auto") == "full"
    assert _decode_mode(replace(song, duration=600.0), "auto") == "sampled"
