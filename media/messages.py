"""Turn a validation :class:`~media.validation.Problem` into a sentence people can act on.

Every sentence is a literal ``gettext("...")`` call with named placeholders,
so ``pybabel extract`` finds it and translators can reorder the values.  The
caller passes the gettext function: Flask-Babel's ``gettext`` inside the app,
:func:`load_translations` ``(locale).gettext`` in the CLI and the worker.  The
translated string is always formatted here with ``%``, which works with both
(Flask-Babel only formats when it is given keyword arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

__all__ = ["TRANSLATIONS_DIR", "describe", "describe_all", "format_bytes", "load_translations"]

#: Where the ``messages`` catalogues of this package live (add it to
#: Flask-Babel's ``BABEL_TRANSLATION_DIRECTORIES``).
TRANSLATIONS_DIR = Path(__file__).with_name("translations")

Gettext = Callable[[str], str]

_CONTAINER_NAMES = {
    "mp4": "MP4",
    "mov": "QuickTime (MOV)",
    "3gp": "3GP",
    "m4a": "M4A",
    "matroska": "Matroska (MKV)",
    "webm": "WebM",
    "avi": "AVI",
    "mpegts": "MPEG-TS",
    "mpeg": "MPEG-PS",
    "mp3": "MP3",
    "aac": "AAC",
    "wav": "WAV",
    "ogg": "Ogg",
    "flac": "FLAC",
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WebP",
    "bmp": "BMP",
    "tiff": "TIFF",
    "avif": "AVIF",
    "heif": "HEIF",
    "pdf": "PDF",
    "zip": "ZIP",
    "text": "TXT",
}
_CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC (H.265)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "prores": "ProRes",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "mjpeg": "Motion JPEG",
    "aac": "AAC",
    "mp3": "MP3",
    "opus": "Opus",
    "vorbis": "Vorbis",
    "flac": "FLAC",
    "pcm_s16le": "PCM",
    "alac": "ALAC",
    "ac3": "AC-3",
}


@cache
def load_translations(locale: str) -> NullTranslations:
    """Catalogue for *locale* (``"ko"``, ``"en"``) for callers without Flask-Babel.

    Unknown locales fall back to the English source strings.
    """
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def describe_all(problems: Iterable[Any], gettext: Gettext | None = None) -> list[str]:
    """:func:`describe` for each problem."""
    return [describe(problem, gettext) for problem in problems]


def describe(problem: Any, gettext: Gettext | None = None) -> str:
    """One translated sentence for *problem* naming the measured value and the limit.

    *problem* is a :class:`~media.validation.Problem` or a dict with ``code``
    and ``params`` (as stored in JSON).  Without *gettext* the English source
    text is returned.
    """
    _ = gettext or _identity
    code, params = _unpack(problem)
    text, values = _sentence(code, params, _)
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        # A broken translation must not hide the problem from the user.
        return _identity(text)


def _sentence(code: str, p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:  # noqa: C901
    measured, limit = p.get("measured"), p.get("limit")
    if code == "empty_file":
        return gettext("The file is empty (0 bytes). Please upload it again."), {}
    if code == "unrecognized_format":
        return gettext("The file type could not be recognised, so the file cannot be checked or played."), {}
    if code == "wrong_kind":
        kinds = [_kind(k, gettext) for k in limit or []]
        return gettext("This file is %(measured)s; the brief asks for %(limit)s."), {
            "measured": _kind(measured, gettext),
            "limit": _either(kinds, gettext),
        }
    if code == "container_not_allowed":
        return gettext("The file is in %(measured)s format; the brief accepts %(limit)s."), {
            "measured": _container(measured),
            "limit": ", ".join(_container(c) for c in limit or []),
        }
    if code == "codec_not_allowed":
        values = {"measured": _codec(measured), "limit": ", ".join(_codec(c) for c in limit or [])}
        if p.get("stream") == "audio":
            return gettext("The sound is encoded as %(measured)s; the brief accepts %(limit)s."), values
        return gettext("The video is encoded as %(measured)s; the brief accepts %(limit)s."), values
    if code == "corrupt":
        return gettext(
            "The file is damaged and cannot be played reliably. "
            "Please export it again and upload the new file."
        ), {}
    if code == "truncated":
        if measured is not None and limit:
            return gettext(
                "The file seems cut off: only %(measured)s s of the stated %(limit)s s "
                "could be read. Please upload it again."
            ), {"measured": _number(measured), "limit": _number(limit)}
        return gettext(
            "The file seems cut off (the upload may not have finished). Please upload it again."
        ), {}
    if code == "unsafe_content":
        return gettext(
            "For safety this file was not opened. It is %(measured)s, not a picture, sound or video file."
        ), {"measured": _unsafe(measured, gettext)}
    if code == "too_large":
        return gettext("The file is %(measured)s; the limit is %(limit)s."), {
            "measured": _bytes(measured),
            "limit": _bytes(limit),
        }
    if code == "too_many_pixels":
        return gettext("The picture is %(measured)s megapixels; the limit is %(limit)s megapixels."), {
            "measured": _megapixels(measured),
            "limit": _megapixels(limit),
        }
    if code == "too_much_memory":
        if not limit:
            return gettext(
                "Checking this file needs more memory than the server has. "
                "Please export it at a lower resolution and upload it again."
            ), {}
        return gettext(
            "Checking this file needs more than %(limit)s of memory, the most one file may use. "
            "Please export it at a lower resolution and upload it again."
        ), {"limit": _bytes(limit)}
    if code in ("resolution_too_low", "resolution_too_high"):
        return _resolution(code == "resolution_too_low", p, gettext)
    if code in ("too_short", "too_long"):
        return _duration(code == "too_short", p, gettext)
    if code == "fps_out_of_range":
        return _fps(p, gettext)
    if code in ("aspect_ratio_not_allowed", "wrong_orientation"):
        return _shape(code, p, gettext)
    if code in ("too_few_channels", "too_many_channels", "sample_rate_too_low"):
        return _sound(code, p, gettext)
    if code == "no_audio":
        return gettext("The video has no sound track; the brief asks for sound."), {}
    if code == "no_video_stream":
        return gettext("The file contains no picture (sound only); the brief asks for a video."), {}
    if code == "no_streams":
        return gettext("The file has no picture and no sound. Please export the video again."), {}
    return gettext("The file was not accepted (%(code)s)."), {"code": code}


def _resolution(low: bool, p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:
    # One sentence per case so that translators see whole sentences, and a
    # brief that only fixes the height does not read "at least ?×720".
    prefix = "min" if low else "max"
    width, height = p.get(f"{prefix}_width"), p.get(f"{prefix}_height")
    values = {"measured": f"{p.get('width')}×{p.get('height')}"}
    if width and height:
        values["limit"] = f"{width}×{height}"
        if low:
            return gettext("The picture is %(measured)s; the brief asks for at least %(limit)s."), values
        return gettext("The picture is %(measured)s; the brief asks for at most %(limit)s."), values
    if width:
        values["limit"] = str(width)
        if low:
            return gettext(
                "The picture is %(measured)s; the brief asks for at least %(limit)s pixels wide."
            ), values
        return gettext(
            "The picture is %(measured)s; the brief asks for at most %(limit)s pixels wide."
        ), values
    values["limit"] = str(height)
    if low:
        return gettext(
            "The picture is %(measured)s; the brief asks for at least %(limit)s pixels high."
        ), values
    return gettext("The picture is %(measured)s; the brief asks for at most %(limit)s pixels high."), values


def _duration(short: bool, p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:
    values = {"measured": _number(p.get("measured")), "limit": _number(p.get("limit"))}
    if p.get("kind") == "audio":
        if short:
            return gettext(
                "The recording is %(measured)s s long; the brief asks for at least %(limit)s s."
            ), values
        return gettext(
            "The recording is %(measured)s s long; the brief asks for at most %(limit)s s."
        ), values
    if short:
        return gettext("The video is %(measured)s s long; the brief asks for at least %(limit)s s."), values
    return gettext("The video is %(measured)s s long; the brief asks for at most %(limit)s s."), values


def _fps(p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:
    low, high = p.get("min"), p.get("max")
    values = {"measured": _number(p.get("measured")), "min": _number(low), "max": _number(high)}
    if low is not None and high is not None:
        return gettext(
            "The video runs at %(measured)s frames per second; the brief asks for %(min)s to %(max)s."
        ), values
    if low is not None:
        return gettext(
            "The video runs at %(measured)s frames per second; the brief asks for at least %(min)s."
        ), values
    return gettext(
        "The video runs at %(measured)s frames per second; the brief asks for at most %(max)s."
    ), values


def _shape(code: str, p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:
    size = f"{p.get('width')}×{p.get('height')}"
    if code == "aspect_ratio_not_allowed":
        return gettext(
            "The picture's aspect ratio is %(measured)s (%(size)s); the brief asks for %(limit)s."
        ), {
            "measured": p.get("measured"),
            "size": size,
            "limit": _either([str(r) for r in p.get("limit") or []], gettext),
        }
    return gettext("The picture is %(size)s, %(measured)s; the brief asks for %(limit)s."), {
        "measured": _orientation(p.get("orientation"), gettext),
        "size": size,
        "limit": _orientation(p.get("limit"), gettext),
    }


def _orientation(name: Any, gettext: Gettext) -> str:
    names = {
        "landscape": gettext("landscape (wider than high)"),
        "portrait": gettext("portrait (higher than wide)"),
        "square": gettext("square"),
    }
    return names.get(name, str(name))


def _sound(code: str, p: Mapping[str, Any], gettext: Gettext) -> tuple[str, dict[str, Any]]:
    if code == "sample_rate_too_low":
        return gettext(
            "The sound is sampled at %(measured)s kHz; the brief asks for at least %(limit)s kHz."
        ), {
            "measured": _number(float(p.get("measured") or 0) / 1000),
            "limit": _number(float(p.get("limit") or 0) / 1000),
        }
    values = {"measured": _channels(p.get("measured"), gettext), "limit": _channels(p.get("limit"), gettext)}
    if code == "too_few_channels":
        return gettext("The sound is %(measured)s; the brief asks for at least %(limit)s."), values
    return gettext("The sound is %(measured)s; the brief asks for at most %(limit)s."), values


def _channels(count: Any, gettext: Gettext) -> str:
    if count == 1:
        return gettext("mono (1 channel)")
    if count == 2:
        return gettext("stereo (2 channels)")
    return gettext("%(count)s channels") % {"count": count}


def _kind(kind: Any, gettext: Gettext) -> str:
    names = {
        "video": gettext("a video"),
        "image": gettext("an image"),
        "audio": gettext("an audio file"),
        "document": gettext("a document"),
    }
    return names.get(kind, gettext("a file of unknown type"))


def _unsafe(label: Any, gettext: Gettext) -> str:
    names = {
        "hls": gettext("a playlist (HLS)"),
        "playlist": gettext("a playlist"),
        "pls": gettext("a playlist"),
        "asx": gettext("a playlist"),
        "dash": gettext("a streaming manifest (DASH)"),
        "ffconcat": gettext("a list of other files (ffconcat)"),
        "ffmetadata": gettext("an FFmpeg metadata file"),
        "svg": gettext("an SVG drawing (it can contain scripts)"),
        "html": gettext("a web page"),
        "xml": gettext("an XML document"),
        "smil": gettext("an XML document"),
        "sdp": gettext("a stream description (SDP)"),
    }
    return names.get(label, gettext("a document that refers to other files"))


def _either(items: list[str], gettext: Gettext) -> str:
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _container(name: Any) -> str:
    return _CONTAINER_NAMES.get(str(name), str(name).upper())


def _codec(name: Any) -> str:
    return _CODEC_NAMES.get(str(name), str(name))


def _number(value: Any) -> str:
    if value is None:
        return "?"
    # At most two decimals, so 29.97 fps stays 29.97 and 30.0 s reads 30.
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def format_bytes(value: Any) -> str:
    """A size in bytes as the messages write it (``5.5 MB``)."""
    return _bytes(value)


def _bytes(value: Any) -> str:
    # Decimal units: a brief that says "1 MB" means 1,000,000 bytes to people.
    # At most one decimal and never a ".0" ("500 KB", "1.2 MB"), the style of lms.i18n.format_size (the
    # pages' ``filesize`` filter); rounded before the unit is chosen, so 999,999 bytes reads "1 MB".
    size = float(value or 0)
    if size < 1000:
        return f"{int(size)} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1000
        if round(size, 1) < 1000 or unit == "GB":
            break
    return f"{round(size, 1):,.1f}".removesuffix(".0") + f" {unit}"


def _megapixels(value: Any) -> str:
    megapixels = float(value or 0) / 1_000_000
    if megapixels >= 100:
        return f"{megapixels:,.0f}"
    return f"{megapixels:.1f}" if megapixels >= 0.1 else f"{megapixels:.3f}"


def _unpack(problem: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(problem, Mapping):
        return str(problem.get("code", "")), problem.get("params") or {}
    return problem.code, problem.params or {}


def _identity(text: str) -> str:
    return text
