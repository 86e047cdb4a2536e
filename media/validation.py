"""Check an upload against a deliverable's technical brief.

:func:`validate` runs the cheap checks first (size on disk, sniffed bytes,
header pixel count) so that an empty, hostile or bomb-sized file is turned
away before any decoder runs; only a file that passes them is demuxed and
decoded for the integrity check.  Each finding is a :class:`Problem` with a
code from :data:`PROBLEM_CODES` and the measured value and limit, which
:mod:`media.messages` turns into a sentence in the user's language.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import av
from PIL import Image

from media.errors import MediaError
from media.integrity import DecodeMode, check_integrity
from media.probe import IMAGE_FORMATS, MAX_DECODE_PIXELS, MediaInfo, probe_open
from media.sandbox import run_bounded
from media.shape import ORIENTATIONS, display_ratio, matches, orientation, parse_ratio, ratio_name, ratio_text
from media.sniff import KINDS, sniff
from media.thumbnails import image_pixel_limit

__all__ = [
    "DeliverableSpec",
    "NO_PICTURE",
    "Problem",
    "Report",
    "PROBLEM_CODES",
    "validate",
    "VIDEO_MAX_PIXELS",
]

PROBLEM_CODES = (
    "empty_file",
    "unrecognized_format",
    "wrong_kind",
    "container_not_allowed",
    "codec_not_allowed",
    "corrupt",
    "truncated",
    "unsafe_content",
    "too_large",
    "too_many_pixels",
    "resolution_too_low",
    "resolution_too_high",
    "too_short",
    "too_long",
    "fps_out_of_range",
    "aspect_ratio_not_allowed",
    "wrong_orientation",
    "no_audio",
    "too_few_channels",
    "too_many_channels",
    "sample_rate_too_low",
    "no_video_stream",
    "no_streams",
    "too_much_memory",
)

#: Hard ceiling on frame size whatever the brief says (8K UHD is 33 MP); every decoder is held to it too.
VIDEO_MAX_PIXELS = MAX_DECODE_PIXELS

#: Codes after which nothing else is looked at: the file is not safe or not
#: readable, so measuring it further would mean handing it to a decoder.
_FATAL = {
    "empty_file",
    "unrecognized_format",
    "unsafe_content",
    "too_large",
    "too_many_pixels",
    "wrong_kind",
    "no_video_stream",
    "no_streams",
    "corrupt",
    "truncated",
    "too_much_memory",
}

_ALIASES = {
    "mkv": "matroska",
    "jpg": "jpeg",
    "tif": "tiff",
    "m4v": "mp4",
    "qt": "mov",
    "h265": "hevc",
    "avc": "h264",
    "avc1": "h264",
    "x264": "h264",
    "hvc1": "hevc",
    "mpeg-4": "mpeg4",
    "m4a": "m4a",
    "heic": "heif",
}
_AUDIO_CODECS = {
    "aac",
    "mp3",
    "opus",
    "vorbis",
    "flac",
    "alac",
    "ac3",
    "eac3",
    "mp2",
    "pcm_s16le",
    "pcm_s24le",
    "pcm_f32le",
    "pcm_s16be",
    "pcm_s24be",
}


#: Problems after which no picture is made from the file: it is unsafe, unreadable or has none.
NO_PICTURE = frozenset(
    {
        "empty_file",
        "unrecognized_format",
        "unsafe_content",
        "too_many_pixels",
        "too_large",
        "corrupt",
        "truncated",
        "no_video_stream",
        "no_streams",
        "wrong_kind",
        "too_much_memory",
    }
)


def _norm(name: str) -> str:
    name = name.strip().lower().lstrip(".")
    return _ALIASES.get(name, name)


@dataclass
class DeliverableSpec:
    """Technical requirements of a deliverable; every field is optional.

    Durations are seconds, sizes bytes.  ``min_width``/``min_height`` and the
    maxima apply to the picture as displayed (after phone rotation and EXIF
    orientation).  ``codecs`` always applies to the video stream, and to the
    audio stream only when it names at least one audio codec.

    ``aspect_ratios`` (``["16:9", "9:16"]``) and ``orientation`` (one of
    :data:`media.shape.ORIENTATIONS`) apply to the picture as displayed too,
    anamorphic pixels stretched, within :data:`media.shape.ASPECT_TOLERANCE`.
    The audio limits (channels, sample rate in Hz) apply to the first sound
    stream; a video without one fails them as ``no_audio``.
    """

    kinds: list[str] | None = None
    containers: list[str] | None = None
    codecs: list[str] | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    min_width: int | None = None
    min_height: int | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None
    min_fps: float | None = None
    max_fps: float | None = None
    max_size_bytes: int | None = None
    require_audio: bool = False
    aspect_ratios: list[str] | None = None
    orientation: str | None = None
    min_audio_channels: int | None = None
    max_audio_channels: int | None = None
    min_sample_rate: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DeliverableSpec:
        """Build a spec from JSON data; unknown keys and bad values raise ValueError."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown spec fields: {', '.join(sorted(unknown))}")
        spec = cls(**data)
        spec._check()
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON data, without the fields left unset."""
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}

    def _check(self) -> None:
        self._check_lists()
        self._check_numbers()
        for low, high in (
            ("min_duration", "max_duration"),
            ("min_width", "max_width"),
            ("min_height", "max_height"),
            ("min_fps", "max_fps"),
            ("min_audio_channels", "max_audio_channels"),
        ):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} is greater than {high}")

    def _check_lists(self) -> None:
        for name in _LISTS:
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"{name} must be a list of strings")
                spelt = ratio_text if name == "aspect_ratios" else _norm
                setattr(self, name, [spelt(v) for v in value])
        if self.kinds and not set(self.kinds) <= set(KINDS):
            raise ValueError(f"kinds must be among {', '.join(KINDS)}")

    def _check_numbers(self) -> None:
        if self.orientation is not None and self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}")
        for name in _WHOLE:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} must be a whole number")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in (*_LISTS, "require_audio", "orientation") or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{f.name} must be a non-negative number")
        if not isinstance(self.require_audio, bool):
            raise ValueError("require_audio must be true or false")


#: The spec's fields written as lists, and those that count things (a whole number).
_LISTS = ("kinds", "containers", "codecs", "aspect_ratios")
_WHOLE = ("min_audio_channels", "max_audio_channels", "min_sample_rate")


@dataclass
class Problem:
    """One reason to refuse a file: a code and the numbers behind it."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"code": self.code, "params": dict(self.params)}


@dataclass
class Report:
    """The outcome of :func:`validate`."""

    ok: bool
    kind: str
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    #: The probe result when the file could be probed (not serialised).
    media: MediaInfo | None = field(default=None, repr=False, compare=False)

    @property
    def codes(self) -> list[str]:
        """The problem codes, in the order found."""
        return [p.code for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (problems with params, not messages)."""
        return {
            "ok": self.ok,
            "kind": self.kind,
            "problems": [p.to_dict() for p in self.problems],
            "info": dict(self.info),
        }


def validate(
    path: str | os.PathLike[str],
    spec: DeliverableSpec | None = None,
    *,
    decode: DecodeMode = "auto",
    memory_limit: int | None = None,
) -> Report:
    """Check the file at *path* against *spec* and report every problem found.

    *decode* chooses how much of a video/audio file is decoded for the
    integrity check (see :func:`media.integrity.check_integrity`).  With
    *memory_limit* (bytes) the check runs in a child process that may use no
    more (:func:`media.sandbox.run_bounded`); a file that needs more is
    refused with ``too_much_memory``, as one whose decoder runs out of memory
    here is.
    """
    if memory_limit is None:
        return _validate_here(path, spec, decode, None)
    try:
        return run_bounded(_validate_here, path, spec, decode, memory_limit, limit=memory_limit)
    except MediaError as exc:  # the child was killed, or a decoder crashed it
        return _refused(path, Problem(exc.code, _error_params(exc)))


def _validate_here(
    path: str | os.PathLike[str], spec: DeliverableSpec | None, decode: DecodeMode, memory_limit: int | None
) -> Report:
    try:
        return _validate(path, spec, decode)
    except MemoryError as exc:  # PyAV's ENOMEM is a MemoryError too
        return _refused(path, Problem("too_much_memory", {"limit": memory_limit, "detail": str(exc)}))


def _refused(path: str | os.PathLike[str], problem: Problem) -> Report:
    size = os.stat(path).st_size
    return Report(ok=False, kind=sniff(path).kind, problems=[problem], info={"size_bytes": size})


def _validate(  # noqa: C901  (one flow read top to bottom; splitting would scatter it)
    path: str | os.PathLike[str], spec: DeliverableSpec | None, decode: DecodeMode
) -> Report:
    spec = spec or DeliverableSpec()
    path = Path(path)
    problems: list[Problem] = []
    size = path.stat().st_size
    info: dict[str, Any] = {"size_bytes": size}

    def report(kind: str, media: MediaInfo | None = None) -> Report:
        return Report(ok=not problems, kind=kind, problems=problems, info=info, media=media)

    if size == 0:
        problems.append(Problem("empty_file", {"measured": 0}))
        return report("unknown")
    sniffed = sniff(path)
    info["container"] = sniffed.format
    if sniffed.unsafe:
        problems.append(Problem("unsafe_content", {"measured": sniffed.format}))
    # Decided from stat() and 4 KiB of bytes: no demuxer sees an oversized
    # or hostile file.
    if spec.max_size_bytes is not None and size > spec.max_size_bytes:
        problems.append(Problem("too_large", {"measured": size, "limit": spec.max_size_bytes}))
    if problems:
        return report(sniffed.kind)
    if sniffed.kind == "unknown":
        problems.append(Problem("unrecognized_format", {"measured": sniffed.format}))
        return report("unknown")
    if spec.kinds and sniffed.kind not in spec.kinds and not _may_become(sniffed.kind, spec.kinds):
        problems.append(Problem("wrong_kind", {"measured": sniffed.kind, "limit": spec.kinds}))
        return report(sniffed.kind)
    try:
        media, opened = probe_open(path, sniffed)
    except MediaError as exc:
        if sniffed.kind == "image" and exc.code in ("corrupt", "truncated"):
            problems.append(_damaged_picture(path, exc.code, exc.detail))
        else:
            problems.append(Problem(exc.code, _error_params(exc)))
        return report(sniffed.kind)
    with contextlib.closing(opened) if opened is not None else contextlib.nullcontext():
        info.update(media.to_dict())
        _check_kind(media, spec, sniffed.kind, problems)
        if not _fatal(problems):
            _check_pixels(media, spec, problems)
        if not _fatal(problems):
            _check_format(media, spec, problems)
            _check_measures(media, spec, problems)
            _check_shape(media, spec, _sample_aspect(opened), problems)
            _check_sound(media, spec, problems)
        if not _fatal(problems) and media.demuxer is not None:
            _check_integrity(path, media, decode, problems, info, opened)
        elif not _fatal(problems) and media.kind == "image":
            _check_image_decodes(path, media, problems)
    return report(media.kind, media)


def _fatal(problems: list[Problem]) -> bool:
    return any(p.code in _FATAL for p in problems)


def _may_become(sniffed_kind: str, kinds: list[str]) -> bool:
    # MP4/Matroska/Ogg are sniffed as their usual kind; the probe decides
    # from the streams whether an .mp4 is really sound only.
    return sniffed_kind in ("video", "audio") and bool({"video", "audio"} & set(kinds))


def _error_params(exc: MediaError) -> dict[str, Any]:
    params = dict(exc.params)
    if exc.detail:
        params.setdefault("detail", exc.detail)
    return params


def _check_kind(media: MediaInfo, spec: DeliverableSpec, sniffed_kind: str, problems: list[Problem]) -> None:
    if not spec.kinds or media.kind in spec.kinds:
        return
    if "video" in spec.kinds and sniffed_kind == "video" and not media.has_video:
        # An .mp4 with sound only: "there is no picture" says more than "wrong kind".
        problems.append(Problem("no_video_stream", {"measured": media.kind}))
    else:
        problems.append(Problem("wrong_kind", {"measured": media.kind, "limit": spec.kinds}))


def _check_pixels(media: MediaInfo, spec: DeliverableSpec, problems: list[Problem]) -> None:
    pixels = media.pixels
    if pixels is None:
        return
    # A ceiling applies even when the brief sets none: it is what keeps a
    # 50 000 x 50 000 PNG from being decoded at all.
    ceiling = image_pixel_limit() if media.kind == "image" else VIDEO_MAX_PIXELS
    limit = min(spec.max_pixels, ceiling) if spec.max_pixels else ceiling
    if pixels > limit:
        problems.append(
            Problem(
                "too_many_pixels",
                {"measured": pixels, "limit": limit, "width": media.width, "height": media.height},
            )
        )


def _check_format(media: MediaInfo, spec: DeliverableSpec, problems: list[Problem]) -> None:
    if spec.containers and _norm(media.container) not in spec.containers:
        problems.append(
            Problem("container_not_allowed", {"measured": media.container, "limit": spec.containers})
        )
    if not spec.codecs:
        return
    checked = [("video", media.video_codec)]
    if _AUDIO_CODECS & set(spec.codecs):
        checked.append(("audio", media.audio_codec))
    for stream, codec in checked:
        if codec is not None and _norm(codec) not in spec.codecs:
            problems.append(
                Problem("codec_not_allowed", {"measured": codec, "limit": spec.codecs, "stream": stream})
            )


def _check_measures(media: MediaInfo, spec: DeliverableSpec, problems: list[Problem]) -> None:
    timed = media.kind in ("video", "audio")
    if timed and media.duration is not None:
        if spec.min_duration is not None and media.duration < spec.min_duration:
            problems.append(
                Problem(
                    "too_short",
                    {"measured": round(media.duration, 1), "limit": spec.min_duration, "kind": media.kind},
                )
            )
        if spec.max_duration is not None and media.duration > spec.max_duration:
            problems.append(
                Problem(
                    "too_long",
                    {"measured": round(media.duration, 1), "limit": spec.max_duration, "kind": media.kind},
                )
            )
    if media.width is not None and media.height is not None:
        size = {"width": media.width, "height": media.height}
        low = {"min_width": spec.min_width, "min_height": spec.min_height}
        if (spec.min_width or 0) > media.width or (spec.min_height or 0) > media.height:
            problems.append(Problem("resolution_too_low", {**size, **low}))
        high = {"max_width": spec.max_width, "max_height": spec.max_height}
        if (spec.max_width is not None and media.width > spec.max_width) or (
            spec.max_height is not None and media.height > spec.max_height
        ):
            problems.append(Problem("resolution_too_high", {**size, **high}))
    if media.kind == "video" and media.fps is not None:
        # 30000/1001 must satisfy a brief written as 29.97.
        if (spec.min_fps is not None and media.fps < spec.min_fps - 0.01) or (
            spec.max_fps is not None and media.fps > spec.max_fps + 0.01
        ):
            problems.append(
                Problem(
                    "fps_out_of_range",
                    {"measured": round(media.fps, 2), "min": spec.min_fps, "max": spec.max_fps},
                )
            )
    if spec.require_audio and timed and not media.has_audio:
        problems.append(Problem("no_audio"))


def _sample_aspect(opened) -> float | None:
    """The width of one coded pixel of the first picture stream (anamorphic video), or None."""
    if opened is None:
        return None
    for stream in opened.streams.video:
        if stream.disposition & av.stream.Disposition.attached_pic:
            continue
        ratio = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        return float(ratio) if ratio else None
    return None


def _check_shape(
    media: MediaInfo, spec: DeliverableSpec, sample_aspect: float | None, problems: list[Problem]
) -> None:
    if not (spec.aspect_ratios or spec.orientation) or not media.width or not media.height:
        return
    ratio = display_ratio(media.width, media.height, sample_aspect, media.rotation)
    shown = {"width": media.width, "height": media.height, "measured": ratio_name(ratio)}
    if spec.aspect_ratios and not any(matches(ratio, parse_ratio(r)) for r in spec.aspect_ratios):
        problems.append(
            Problem(
                "aspect_ratio_not_allowed", {**shown, "ratio": round(ratio, 3), "limit": spec.aspect_ratios}
            )
        )
    if spec.orientation and orientation(ratio) != spec.orientation:
        problems.append(
            Problem(
                "wrong_orientation", {**shown, "orientation": orientation(ratio), "limit": spec.orientation}
            )
        )


def _check_sound(media: MediaInfo, spec: DeliverableSpec, problems: list[Problem]) -> None:
    asked = (spec.min_audio_channels, spec.max_audio_channels, spec.min_sample_rate)
    if media.kind not in ("video", "audio") or all(limit is None for limit in asked):
        return
    sound = next((s for s in media.streams if s.type == "audio"), None)
    if sound is None:
        if "no_audio" not in {p.code for p in problems}:
            problems.append(Problem("no_audio"))
        return
    channels, rate = sound.channels, sound.sample_rate
    if channels is not None and spec.min_audio_channels is not None and channels < spec.min_audio_channels:
        problems.append(Problem("too_few_channels", {"measured": channels, "limit": spec.min_audio_channels}))
    if channels is not None and spec.max_audio_channels is not None and channels > spec.max_audio_channels:
        problems.append(
            Problem("too_many_channels", {"measured": channels, "limit": spec.max_audio_channels})
        )
    if rate is not None and spec.min_sample_rate is not None and rate < spec.min_sample_rate:
        problems.append(Problem("sample_rate_too_low", {"measured": rate, "limit": spec.min_sample_rate}))


def _check_integrity(
    path: Path, media: MediaInfo, decode: DecodeMode, problems: list[Problem], info: dict[str, Any], opened
) -> None:
    result = check_integrity(path, media, decode, opened)
    info["integrity"] = {
        "mode": result.mode,
        "readable": result.readable,
        "decoded_frames": result.decoded_frames,
    }
    if result.code == "truncated":
        problems.append(
            Problem(
                "truncated",
                {
                    "measured": _round(result.readable),
                    "limit": _round(result.stated),
                    "detail": result.detail,
                },
            )
        )
    elif result.code is not None:
        problems.append(Problem(result.code, {"detail": result.detail}))


def _check_image_decodes(path: Path, media: MediaInfo, problems: list[Problem]) -> None:
    # Pillow's verify() misses a cut-off JPEG (FACTS.md); decoding does not.
    # draft() keeps the decode of a large JPEG at 1/8 scale.
    try:
        with Image.open(path, formats=[IMAGE_FORMATS[media.container][1]]) as image:
            image.draft("RGB", (256, 256))
            image.load()
    except Image.DecompressionBombError:
        problems.append(
            Problem("too_many_pixels", {"measured": media.pixels, "limit": Image.MAX_IMAGE_PIXELS})
        )
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        code = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        if not (code == "truncated" and _whole_gif(path, media)):
            problems.append(_damaged_picture(path, code, str(exc)))


def _damaged_picture(path: Path, code: str, detail: str) -> Problem:
    """What is wrong with a picture that does not decode: a picture's first bytes with a web page behind
    them was made, not cut off, and saying "upload it again" would be wrong."""
    markup = _markup_inside(path)
    if markup:
        return Problem("unsafe_content", {"measured": markup, "detail": detail})
    return Problem(code, {"detail": detail})


#: What turns "a damaged picture" into "a web page dressed as one" (lower case).
_MARKUP = (
    (b"<html", "html"),
    (b"<script", "html"),
    (b"<iframe", "html"),
    (b"<svg", "svg"),
    (b"<?php", "html"),
)
_MARKUP_SCAN = 1024 * 1024


def _markup_inside(path: Path) -> str | None:
    """The kind of markup in the first MiB of *path*, if any (a bounded read, whatever the file's size)."""
    with open(path, "rb") as fh:
        head = fh.read(_MARKUP_SCAN).lower()
    return next((label for marker, label in _MARKUP if marker in head), None)


def _whole_gif(path: Path, media: MediaInfo) -> bool:
    # A GIF that ends with its trailer byte is complete; an empty frame is legal (browsers draw the
    # background) though Pillow calls it truncated. A cut-off GIF has lost its trailer.
    if media.container != "gif":
        return False
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\x3b"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
