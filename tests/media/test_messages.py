"""Messages name the measured value and the limit, in English and natural Korean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lms.config import SHIPPED_LANGUAGES
from media.messages import TRANSLATIONS_DIR, describe, describe_all, load_translations
from media.validation import PROBLEM_CODES, Problem
from tests.catalogues import check_translated_and_compiled

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

SAMPLES = {
    "empty_file": {"measured": 0},
    "unrecognized_format": {"measured": "binary"},
    "wrong_kind": {"measured": "image", "limit": ["video", "audio"]},
    "container_not_allowed": {"measured": "avi", "limit": ["mp4", "mov"]},
    "codec_not_allowed": {"measured": "hevc", "limit": ["h264"], "stream": "video"},
    "corrupt": {"detail": "x"},
    "truncated": {"measured": 4.1, "limit": 10.0},
    "unsafe_content": {"measured": "hls"},
    "too_large": {"measured": 5_500_000, "limit": 1_000_000},
    "too_many_pixels": {"measured": 2_500_000_000, "limit": 89_478_485},
    "resolution_too_low": {"width": 640, "height": 360, "min_width": 1280, "min_height": 720},
    "resolution_too_high": {"width": 3840, "height": 2160, "max_width": 1920, "max_height": None},
    "too_short": {"measured": 12.4, "limit": 30, "kind": "video"},
    "too_long": {"measured": 95.0, "limit": 60, "kind": "audio"},
    "fps_out_of_range": {"measured": 25.0, "min": 29.97, "max": 60},
    "no_audio": {},
    "no_video_stream": {},
    "no_streams": {},
    "too_much_memory": {"limit": 256 * 1024**2},
    "aspect_ratio_not_allowed": {"width": 640, "height": 480, "measured": "4:3", "limit": ["16:9", "9:16"]},
    "wrong_orientation": {"width": 1080, "height": 1920, "orientation": "portrait", "limit": "landscape"},
    "too_few_channels": {"measured": 1, "limit": 2},
    "too_many_channels": {"measured": 6, "limit": 2},
    "sample_rate_too_low": {"measured": 22050, "limit": 48000},
}
#: Strings each message must show (measured value, limit).
SHOWN = {
    "truncated": ("4.1", "10"),
    "too_large": ("5.5 MB", "1 MB"),
    "too_many_pixels": ("2,500", "89.5"),
    "resolution_too_low": ("640×360", "1280×720"),
    "resolution_too_high": ("3840×2160", "1920"),
    "too_short": ("12.4", "30"),
    "too_long": ("95", "60"),
    "fps_out_of_range": ("25", "29.97", "60"),
    "container_not_allowed": ("AVI", "MP4"),
    "codec_not_allowed": ("HEVC", "H.264"),
    "too_much_memory": ("268.4 MB",),
    "aspect_ratio_not_allowed": ("4:3", "640×480", "16:9", "9:16"),
    "wrong_orientation": ("1080×1920",),
    "too_few_channels": ("1", "2"),
    "too_many_channels": ("6", "2"),
    "sample_rate_too_low": ("22.05", "48"),
}


def test_samples_cover_every_code():
    assert set(SAMPLES) == set(PROBLEM_CODES)


@pytest.mark.parametrize("code", PROBLEM_CODES)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_code_has_a_message(code, lang):
    text = describe(Problem(code, SAMPLES[code]), load_translations(lang).gettext)
    assert text and "%(" not in text and "None" not in text
    for value in SHOWN.get(code, ()):
        assert value in text
    assert bool(HANGUL.search(text)) is (lang == "ko")


def test_brief_examples():
    problem = Problem("too_short", {"measured": 12.4, "limit": 30, "kind": "video"})
    assert describe(problem) == "The video is 12.4 s long; the brief asks for at least 30 s."
    assert (
        describe(problem, load_translations("ko").gettext)
        == "영상 길이가 12.4초입니다. 과제 요건은 최소 30초입니다."
    )


def test_flask_babel_style_gettext_and_json_problems():
    catalogue = load_translations("ko")

    def flask_babel_gettext(string, **variables):
        # Flask-Babel formats only when given keyword arguments.
        text = catalogue.ugettext(string)
        return text % variables if variables else text

    stored = {"code": "no_audio", "params": {}}
    assert describe(stored, flask_babel_gettext) == describe(stored, catalogue.gettext)
    assert len(describe_all([stored, Problem("corrupt")])) == 2
    assert describe({"code": "something_new"}) == "The file was not accepted (something_new)."


def test_unknown_locale_falls_back_to_english():
    assert describe(Problem("no_audio"), load_translations("fr").gettext).startswith("The video has no sound")


def _catalogue(locale):
    with open(TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def test_template_has_every_source_string():
    """Fails when a string was added to media/ or templates/media/ without running `make messages`."""
    source_root = Path(TRANSLATIONS_DIR).parent
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    extracted = set()
    for folder, method in ((source_root, "python"), (source_root.parent / "templates" / "media", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        extracted |= {
            msg
            for _f, _l, msg, _c, _ctx in extract_from_dir(
                str(folder), method_map=[(pattern, method)], keywords=keywords
            )
            if isinstance(msg, str)
        }
    assert "Check a file" in extracted and "Receipt" in extracted  # views and templates are scanned
    with open(TRANSLATIONS_DIR / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert extracted <= template, sorted(extracted - template)


@pytest.mark.parametrize("locale", SHIPPED_LANGUAGES)
def test_catalogues_are_complete_and_compiled(locale):
    po = _catalogue(locale)
    with open(TRANSLATIONS_DIR / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    assert {m.id for m in po if m.id} == template
    check_translated_and_compiled("media", locale)
