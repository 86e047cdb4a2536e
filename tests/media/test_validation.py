"""Every problem code comes from a real file, and cheap checks run first."""

from __future__ import annotations

import json

import pytest

from media import integrity, probe, validation
from media.validation import PROBLEM_CODES, DeliverableSpec, Problem, validate

VIDEO = {"kinds": ["video"]}

#: (sample, spec, expected code, expected params subset)
CASES = [
    ("empty.mp4", {}, "empty_file", {"measured": 0}),
    ("random.bin", {}, "unrecognized_format", {}),
    ("photo.jpg", VIDEO, "wrong_kind", {"measured": "image", "limit": ["video"]}),
    (
        "mpeg4.avi",
        {"containers": ["mp4", "mov"]},
        "container_not_allowed",
        {"measured": "avi", "limit": ["mp4", "mov"]},
    ),
    ("hevc.mp4", {"codecs": ["h264"]}, "codec_not_allowed", {"measured": "hevc", "stream": "video"}),
    ("corrupt_middle.mp4", VIDEO, "corrupt", {}),
    ("truncated_faststart.mp4", VIDEO, "truncated", {"limit": 3.0}),
    ("truncated_moov.mp4", VIDEO, "truncated", {}),
    ("truncated.jpg", {"kinds": ["image"]}, "truncated", {}),
    ("hls_file.mp4", VIDEO, "unsafe_content", {"measured": "hls"}),
    ("hls_http.m3u8", VIDEO, "unsafe_content", {"measured": "hls"}),
    ("list.ffconcat", VIDEO, "unsafe_content", {"measured": "ffconcat"}),
    ("drawing.png", {"kinds": ["image"]}, "unsafe_content", {"measured": "svg"}),
    ("h264_aac.mp4", {"max_size_bytes": 1000}, "too_large", {"limit": 1000}),
    ("bomb.png", {"kinds": ["image"]}, "too_many_pixels", {"measured": 2_500_000_000}),
    ("h264_aac.mp4", {"max_pixels": 320 * 200}, "too_many_pixels", {"measured": 76_800, "limit": 64_000}),
    (
        "h264_aac.mp4",
        {"min_width": 640, "min_height": 480},
        "resolution_too_low",
        {"width": 320, "height": 240, "min_width": 640},
    ),
    (
        "portrait.mp4",
        {"max_width": 320, "max_height": 240},
        "resolution_too_high",
        {"width": 240, "height": 320, "max_height": 240},
    ),
    ("h264_aac.mp4", {"min_duration": 30}, "too_short", {"measured": 2.0, "limit": 30}),
    ("h264_aac.mp4", {"max_duration": 1.5}, "too_long", {"measured": 2.0, "limit": 1.5}),
    ("h264_aac.mp4", {"min_fps": 29.97, "max_fps": 60}, "fps_out_of_range", {"measured": 25.0, "min": 29.97}),
    ("h264_silent.mp4", {"require_audio": True}, "no_audio", {}),
    ("audio_only.mp4", VIDEO, "no_video_stream", {}),
    ("words_only.mkv", VIDEO, "no_streams", {}),
]


@pytest.mark.parametrize(("name", "spec", "code", "params"), CASES, ids=[f"{c[2]}-{c[0]}" for c in CASES])
def test_problem_from_real_file(media, name, spec, code, params):
    report = validate(media[name], DeliverableSpec.from_dict(spec))
    assert not report.ok
    assert code in report.codes
    problem = next(p for p in report.problems if p.code == code)
    assert params.items() <= problem.params.items()
    json.dumps(report.to_dict())


def test_table_covers_every_code():
    # too_much_memory needs a memory ceiling: tests/media/test_memory_ceiling.py; the picture's shape and
    # the sound's channels need clips of their own: tests/media/test_shape_and_sound.py
    shape_and_sound = {
        "aspect_ratio_not_allowed",
        "wrong_orientation",
        "too_few_channels",
        "too_many_channels",
        "sample_rate_too_low",
    }
    assert {case[2] for case in CASES} | {"too_much_memory"} | shape_and_sound == set(PROBLEM_CODES)


@pytest.mark.parametrize(
    "name",
    [
        "h264_aac.mp4",
        "portrait.mp4",
        "vp9.webm",
        "h264.mkv",
        "hevc.mp4",
        "photo.jpg",
        "image.png",
        "tone.wav",
        "notes.txt",
    ],
)
def test_good_files_pass_an_empty_spec(media, name):
    report = validate(media[name])
    assert report.ok, report.problems


def test_a_strict_brief_that_is_met(media):
    spec = DeliverableSpec.from_dict(
        {
            "kinds": ["video"],
            "containers": ["mp4", "mov"],
            "codecs": ["h264", "aac"],
            "min_duration": 1,
            "max_duration": 60,
            "min_width": 320,
            "min_height": 240,
            "max_pixels": 2_073_600,
            "min_fps": 24,
            "max_fps": 30,
            "max_size_bytes": 10_000_000,
            "require_audio": True,
        }
    )
    report = validate(media["h264_aac.mp4"], spec)
    assert report.ok, report.problems
    assert report.info["integrity"]["mode"] == "full"


def test_codecs_check_audio_only_when_named(media):
    assert validate(media["vp9.webm"], DeliverableSpec(codecs=["vp9"])).ok
    report = validate(media["vp9.webm"], DeliverableSpec.from_dict({"codecs": ["vp9", "aac"]}))
    assert report.problems == [
        Problem("codec_not_allowed", {"measured": "opus", "limit": ["vp9", "aac"], "stream": "audio"})
    ]


def test_aliases_in_specs(media):
    spec = DeliverableSpec.from_dict({"containers": ["MKV"], "codecs": ["AVC", "aac"]})
    assert validate(media["h264.mkv"], spec).ok


def test_hostile_files_never_reach_a_decoder(media, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a decoder was offered a file the cheap checks should refuse")

    monkeypatch.setattr(validation, "probe_open", forbidden)
    for name in ("empty.mp4", "hls_file.mp4", "hls_http.m3u8", "list.ffconcat", "drawing.png", "random.bin"):
        assert not validate(media[name]).ok
    assert validate(media["photo.jpg"], DeliverableSpec(kinds=["video"])).codes == ["wrong_kind"]
    assert validate(media["h264_aac.mp4"], DeliverableSpec(max_size_bytes=10)).codes == ["too_large"]


def test_bomb_is_refused_before_decoding(media, monkeypatch):
    decoded = []
    monkeypatch.setattr(integrity, "_decode_pass", lambda *a, **k: decoded.append(a))
    monkeypatch.setattr(validation, "_check_image_decodes", lambda *a, **k: decoded.append(a))
    report = validate(media["bomb.png"])
    assert report.codes == ["too_many_pixels"] and not decoded
    huge = probe.MediaInfo(kind="video", container="mp4", size_bytes=1, width=20_000, height=20_000)
    problems: list[Problem] = []
    validation._check_pixels(huge, DeliverableSpec(), problems)
    assert problems[0].params["limit"] == validation.VIDEO_MAX_PIXELS


def test_spec_round_trip_and_errors():
    spec = DeliverableSpec.from_dict({"kinds": ["video"], "min_duration": 30, "require_audio": True})
    assert DeliverableSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert DeliverableSpec().to_dict() == {}
    for bad in (
        {"colour": "red"},
        {"kinds": "video"},
        {"kinds": ["film"]},
        {"min_duration": -1},
        {"min_width": "wide"},
        {"min_fps": 60, "max_fps": 30},
        {"require_audio": "yes"},
    ):
        with pytest.raises(ValueError):
            DeliverableSpec.from_dict(bad)
