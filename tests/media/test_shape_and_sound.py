"""A brief's aspect ratio, orientation and sound channels/sample rate, checked on real clips.

The clips are made here with the bundled FFmpeg: a phone film (16:9 coded, turned a quarter by its display
matrix), a 4:3 one, an anamorphic one (4:3 pixels stretched to 16:9 by their sample aspect ratio), mono and
stereo sound at two sample rates.
"""

from __future__ import annotations

import json

import pytest

from media.messages import describe
from media.shape import display_ratio, orientation, parse_ratio, ratio_name, ratio_text
from media.validation import DeliverableSpec, validate
from tests.fixtures.media import LAVFI_AUDIO, X264


def _video(size: str) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration=1"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory, ffmpeg_cli) -> dict:
    d = tmp_path_factory.mktemp("shapes")
    f = {name: d / name for name in ("wide.mp4", "phone.mp4", "four_three.mp4", "anamorphic.mp4", "mono.wav")}
    stereo = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1"]
    ffmpeg_cli(*_video("320x180"), *stereo, *X264, "-c:a", "aac", "-ac", "2", "-shortest", str(f["wide.mp4"]))
    # A phone stores its landscape sensor's frames and says "turn a quarter" in the display matrix.
    ffmpeg_cli("-display_rotation", "90", "-i", str(f["wide.mp4"]), "-c", "copy", str(f["phone.mp4"]))
    mono = ["-f", "lavfi", "-i", LAVFI_AUDIO.format(d=1)]
    ffmpeg_cli(*_video("320x240"), *mono, *X264, "-c:a", "aac", "-shortest", str(f["four_three.mp4"]))
    ffmpeg_cli(*_video("320x240"), "-vf", "setsar=4/3", *X264, str(f["anamorphic.mp4"]))
    ffmpeg_cli(*mono, "-c:a", "pcm_s16le", str(f["mono.wav"]))
    return f


def _codes(path, spec: dict) -> list[str]:
    report = validate(path, DeliverableSpec.from_dict(spec))
    json.dumps(report.to_dict())
    return report.codes


def test_a_phone_film_with_rotation_counts_as_portrait(clips):
    report = validate(clips["phone.mp4"], DeliverableSpec.from_dict({"orientation": "portrait"}))
    assert report.ok, report.problems
    assert (report.info["width"], report.info["height"], report.info["rotation"]) == (180, 320, 90)
    assert validate(clips["phone.mp4"], DeliverableSpec(aspect_ratios=["9:16"])).ok
    report = validate(clips["phone.mp4"], DeliverableSpec.from_dict({"orientation": "landscape"}))
    assert report.codes == ["wrong_orientation"]
    assert report.problems[0].params == {
        "width": 180,
        "height": 320,
        "measured": "9:16",
        "orientation": "portrait",
        "limit": "landscape",
    }
    assert describe(report.problems[0]) == (
        "The picture is 180×320, portrait (higher than wide); the brief asks for landscape (wider than high)."
    )


def test_four_three_is_refused_where_sixteen_nine_is_asked(clips):
    report = validate(clips["four_three.mp4"], DeliverableSpec.from_dict({"aspect_ratios": ["16:9"]}))
    assert report.codes == ["aspect_ratio_not_allowed"]
    assert report.problems[0].params["measured"] == "4:3"
    assert describe(report.problems[0]) == (
        "The picture's aspect ratio is 4:3 (320×240); the brief asks for 16:9."
    )
    assert _codes(clips["wide.mp4"], {"aspect_ratios": ["16:9"]}) == []
    assert (
        _codes(clips["four_three.mp4"], {"aspect_ratios": ["16:9", "4:3"], "orientation": "landscape"}) == []
    )


def test_anamorphic_pixels_are_measured_as_shown(clips):
    # 320x240 pixels that are each 4/3 wide are shown 16:9, as a player does.
    assert _codes(clips["anamorphic.mp4"], {"aspect_ratios": ["16:9"]}) == []
    assert _codes(clips["anamorphic.mp4"], {"aspect_ratios": ["4:3"]}) == ["aspect_ratio_not_allowed"]


def test_a_photo_turned_by_exif_counts_as_portrait(media):
    assert _codes(media["photo.jpg"], {"kinds": ["image"], "orientation": "portrait"}) == []
    assert _codes(media["photo.jpg"], {"kinds": ["image"], "aspect_ratios": ["2:1"]}) == [
        "aspect_ratio_not_allowed"
    ]


def test_mono_is_refused_where_stereo_is_asked(clips):
    report = validate(clips["four_three.mp4"], DeliverableSpec.from_dict({"min_audio_channels": 2}))
    assert report.codes == ["too_few_channels"]
    assert report.problems[0].params == {"measured": 1, "limit": 2}
    assert describe(report.problems[0]) == (
        "The sound is mono (1 channel); the brief asks for at least stereo (2 channels)."
    )
    assert _codes(clips["mono.wav"], {"min_audio_channels": 2}) == ["too_few_channels"]
    assert _codes(clips["wide.mp4"], {"min_audio_channels": 2, "max_audio_channels": 2}) == []
    assert _codes(clips["wide.mp4"], {"max_audio_channels": 1}) == ["too_many_channels"]


def test_sample_rate(clips):
    report = validate(clips["wide.mp4"], DeliverableSpec.from_dict({"min_sample_rate": 48000}))
    assert report.codes == ["sample_rate_too_low"]
    assert describe(report.problems[0]) == (
        "The sound is sampled at 44.1 kHz; the brief asks for at least 48 kHz."
    )
    assert _codes(clips["four_three.mp4"], {"min_sample_rate": 48000}) == []


def test_sound_limits_on_a_silent_film_say_there_is_no_sound(clips, media):
    assert _codes(clips["anamorphic.mp4"], {"min_audio_channels": 2}) == ["no_audio"]
    assert _codes(media["h264_silent.mp4"], {"require_audio": True, "min_sample_rate": 44100}) == ["no_audio"]
    # Sound limits say nothing about a picture.
    assert _codes(media["image.png"], {"min_audio_channels": 2}) == []


@pytest.mark.parametrize(
    ("written", "stored"),
    [("16:9", "16:9"), (" 16 x 9 ", "16:9"), ("2.39:1", "2.39:1"), ("9/16", "9:16"), ("1.850:1", "1.85:1")],
)
def test_ratios_are_stored_in_one_spelling(written, stored):
    assert ratio_text(written) == stored
    assert DeliverableSpec.from_dict({"aspect_ratios": [written]}).aspect_ratios == [stored]


@pytest.mark.parametrize(
    "bad",
    [
        {"aspect_ratios": "16:9"},
        {"aspect_ratios": ["wide"]},
        {"aspect_ratios": ["0:9"]},
        {"aspect_ratios": ["16:9:1"]},
        {"orientation": "diagonal"},
        {"min_audio_channels": 1.5},
        {"min_audio_channels": True},
        {"min_sample_rate": -44100},
        {"min_audio_channels": 6, "max_audio_channels": 2},
    ],
)
def test_bad_specs_are_refused(bad):
    with pytest.raises(ValueError):
        DeliverableSpec.from_dict(bad)


def test_spec_round_trip():
    data = {
        "aspect_ratios": ["16:9", "9:16"],
        "orientation": "portrait",
        "min_audio_channels": 2,
        "max_audio_channels": 2,
        "min_sample_rate": 48000,
    }
    assert DeliverableSpec.from_dict(json.loads(json.dumps(data))).to_dict() == data


def test_names_and_tolerance():
    assert ratio_name(854 / 480) == "16:9" and ratio_name(1366 / 768) == "16:9"
    assert ratio_name(1.6) == "16:10" and ratio_name(1.25) == "5:4"
    assert ratio_name(1000 / 700) == "1.43:1" and ratio_name(700 / 1000) == "1:1.43"
    assert orientation(1.01) == "square" and orientation(0.9) == "portrait"
    # The stretch lies along the coded width, which a quarter turn makes the shown height.
    assert display_ratio(240, 320, 4 / 3, rotation=90) == pytest.approx(240 / (320 * 4 / 3))
    assert parse_ratio("4:3") == pytest.approx(4 / 3)
