"""Posters, image thumbnails and scrub sprite sheets with a WebVTT track.

Everything written here is re-encoded from decoded pixels: no byte of the
uploaded file (EXIF GPS position, camera serial, an embedded script) reaches
the output.  Images are measured from their header before any decoding, so a
decompression bomb is refused, not decoded.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
from PIL import Image, ImageCms, ImageOps

from media.errors import MediaError
from media.frames import FrameReader, frame_score, to_upright_image
from media.probe import IMAGE_FORMATS, MediaInfo, probe

__all__ = [
    "SpriteSheet",
    "Thumbnail",
    "image_pixel_limit",
    "image_thumbnail",
    "make_poster",
    "poster_at",
    "smart_poster",
    "sprite_sheet",
    "webvtt_track",
]

#: Pillow's own default, used when a deployment has switched its check off.
_PILLOW_DEFAULT_MAX_PIXELS = 89_478_485
_FORMATS_BY_SUFFIX = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 82},
    "WEBP": {"quality": 80},
    "PNG": {"optimize": True},
}


@dataclass
class Thumbnail:
    """A picture written to ``path``; ``time`` is the video time it shows."""

    path: str
    width: int
    height: int
    time: float | None = None
    score: float | None = None


@dataclass
class SpriteSheet:
    """A grid of scrub frames and the WebVTT track that points into it."""

    image_path: str
    vtt_path: str | None
    columns: int
    rows: int
    tile_width: int
    tile_height: int
    #: (start, end, frame time) of each cue, in seconds.
    cues: list[tuple[float, float, float]] = field(default_factory=list)
    vtt: str = ""


def image_pixel_limit(max_pixels: int | None = None) -> int:
    """Largest pixel count this library will decode (never above Pillow's limit)."""
    pillow = Image.MAX_IMAGE_PIXELS or _PILLOW_DEFAULT_MAX_PIXELS
    return min(max_pixels, pillow) if max_pixels else pillow


def make_poster(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    info: MediaInfo | None = None,
    width: int = 320,
) -> Thumbnail:
    """Smart poster for a video, thumbnail for an image."""
    info = info or probe(path)
    if info.kind == "image":
        return image_thumbnail(path, out, info=info, size=(width, width))
    return smart_poster(path, out, info=info, width=width)


def smart_poster(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    info: MediaInfo | None = None,
    width: int = 320,
    samples: int = 5,
    max_decodes: int = 2,
) -> Thumbnail:
    """Write the most picture-like of several keyframes as the poster.

    The keyframes nearest ``(i + 0.5) / samples`` of the duration are the
    candidates.  When the index records their sizes, the *max_decodes* largest
    are decoded first: a black or flat picture compresses to a few hundred
    bytes, so it loses without being decoded.  Decoded frames are scored with
    :func:`media.frames.frame_score`; if none of them is a real picture the
    other candidates follow, and then exact frames at the sample times (for
    files with very few keyframes).
    """
    info = info or probe(path)
    duration = info.duration or 0.0
    # Centres of equal slices: never the first or last frame, which are
    # often a fade from or to black.
    times = [duration * (i + 0.5) / samples for i in range(samples)] if duration else [0.0]
    with FrameReader(path, info) as reader:
        candidates = reader.keyframes_near(times)
        if candidates and all(size > 0 for _t, size in candidates):
            candidates.sort(key=lambda c: -c[1])
            first, rest = candidates[:max_decodes], candidates[max_decodes:]
        else:
            first, rest = candidates, []
        stages = [sorted(t for t, _size in first) or times, sorted(t for t, _size in rest), times]
        best, best_score = None, -math.inf
        seen: set[int | None] = set()
        for stage, picks in enumerate(stages):
            if best is not None and best_score >= 0:
                break
            for seconds in picks:
                frame = reader.frame_at(seconds) if stage == 2 else reader.keyframe_near(seconds)
                best, best_score = _better(frame, seen, best, best_score)
        if best is None:
            raise MediaError("corrupt", "no frame could be decoded")
        image = to_upright_image(best, width, reader.sample_aspect_ratio)
        shown = reader.time_of(best)
    _save(image, out)
    return Thumbnail(str(out), image.width, image.height, time=shown, score=round(best_score, 3))


def _better(
    frame: av.VideoFrame | None, seen: set[int | None], best: av.VideoFrame | None, best_score: float
) -> tuple[av.VideoFrame | None, float]:
    """Score *frame* unless already seen; return the better of it and *best*."""
    if frame is None or frame.pts in seen:
        return best, best_score
    seen.add(frame.pts)
    score = frame_score(frame)
    return (frame, score) if score > best_score else (best, best_score)


def poster_at(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    seconds: float,
    *,
    info: MediaInfo | None = None,
    width: int = 320,
) -> Thumbnail:
    """Write the frame shown at *seconds* (the trainee's own pick) as the poster."""
    info = info or probe(path)
    if info.duration:
        seconds = min(max(0.0, seconds), info.duration)
    with FrameReader(path, info) as reader:
        frame = reader.frame_at(seconds)
        if frame is None:
            raise MediaError("corrupt", f"no frame at {seconds:.3f} s")
        image = to_upright_image(frame, width, reader.sample_aspect_ratio)
        shown = reader.time_of(frame)
    _save(image, out)
    return Thumbnail(str(out), image.width, image.height, time=shown)


def image_thumbnail(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    info: MediaInfo | None = None,
    size: tuple[int, int] = (320, 320),
    max_pixels: int | None = None,
) -> Thumbnail:
    """Write an upright, metadata-free thumbnail that fits in *size*.

    The pixel count is checked from the header first (``too_many_pixels``);
    JPEGs are decoded at a reduced scale with ``draft()``; EXIF orientation
    is applied; colours are converted to sRGB when an ICC profile is present.
    """
    fmt = _output_format(out)
    info = info or probe(path)
    if info.kind != "image" or info.container not in IMAGE_FORMATS:
        raise MediaError("wrong_kind", measured=info.kind, limit=["image"])
    limit = image_pixel_limit(max_pixels)
    if (info.pixels or 0) > limit:
        raise MediaError("too_many_pixels", measured=info.pixels, limit=limit)
    pillow_format = IMAGE_FORMATS[info.container][1]
    try:
        with Image.open(path, formats=[pillow_format]) as image:
            box = max(size)
            # EXIF may turn the picture by 90 degrees, so ask for a square box.
            image.draft("RGB", (box, box))
            icc = image.info.get("icc_profile")
            # Orientation goes into the pixels here; the tag itself is
            # dropped with every other piece of metadata by _strip().
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(size, Image.Resampling.LANCZOS)
    except Image.DecompressionBombError as exc:
        raise MediaError("too_many_pixels", str(exc), measured=info.pixels, limit=limit) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        code = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise MediaError(code, str(exc)) from exc
    clean = _strip(_to_srgb(upright, icc), fmt)
    _save(clean, out)
    return Thumbnail(str(out), clean.width, clean.height)


def sprite_sheet(
    path: str | os.PathLike[str],
    out_image: str | os.PathLike[str],
    *,
    vtt_path: str | os.PathLike[str] | None = None,
    image_url: str | None = None,
    info: MediaInfo | None = None,
    count: int | None = None,
    interval: float = 5.0,
    columns: int = 5,
    tile_width: int = 160,
    max_tiles: int = 100,
) -> SpriteSheet:
    """Write a grid of *count* frames (default: one per *interval* seconds) and its WebVTT track.

    Cue *i* covers ``[i, i + 1) * duration / count`` and shows a frame from
    inside that span, normally the keyframe nearest its middle.  Cues point at
    ``image_url#xywh=x,y,w,h`` (default URL: the sheet's file name).
    """
    info = info or probe(path)
    duration = info.duration or 0.0
    if count is None:
        count = max(1, math.ceil(duration / interval))
    count = max(1, min(count, max_tiles))
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    span = duration / count if duration else 0.0
    tiles: list[Image.Image] = []
    cues: list[tuple[float, float, float]] = []
    with FrameReader(path, info, sequential=True) as reader:
        for i in range(count):
            start, middle = i * span, (i + 0.5) * span
            # Any frame inside the cue will do, so a keyframe before the
            # middle usually serves and costs a single decode.
            frame = reader.frame_at(middle, not_before=start)
            if frame is None:
                break
            tiles.append(to_upright_image(frame, tile_width, reader.sample_aspect_ratio))
            shown = reader.time_of(frame)
            cues.append((start, start + span, middle if shown is None else shown))
    if not tiles:
        raise MediaError("corrupt", "no frame could be decoded")
    tile_w, tile_h = tiles[0].size
    sheet = Image.new("RGB", (columns * tile_w, rows * tile_h))
    for i, tile in enumerate(tiles):
        # Rounding can make a tile a pixel off; the track assumes equal cells.
        sheet.paste(
            tile.resize((tile_w, tile_h)) if tile.size != (tile_w, tile_h) else tile,
            ((i % columns) * tile_w, (i // columns) * tile_h),
        )
    _save(sheet, out_image)
    url = image_url or Path(out_image).name
    vtt = webvtt_track(cues, url, columns, tile_w, tile_h)
    if vtt_path is not None:
        _write_text(vtt_path, vtt)
    return SpriteSheet(
        str(out_image), None if vtt_path is None else str(vtt_path), columns, rows, tile_w, tile_h, cues, vtt
    )


def webvtt_track(
    cues: Sequence[tuple[float, float, float]], url: str, columns: int, tile_width: int, tile_height: int
) -> str:
    """A WebVTT thumbnail track whose cues point at tiles of a sprite sheet."""
    lines = ["WEBVTT", ""]
    for i, (start, end, _time) in enumerate(cues):
        x, y = (i % columns) * tile_width, (i // columns) * tile_height
        lines += [
            str(i + 1),
            f"{_vtt_time(start)} --> {_vtt_time(end)}",
            f"{url}#xywh={x},{y},{tile_width},{tile_height}",
            "",
        ]
    return "\n".join(lines)


def _vtt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _output_format(out: str | os.PathLike[str]) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in _FORMATS_BY_SUFFIX:
        raise ValueError(f"unsupported thumbnail type {suffix!r}; use .jpg, .png or .webp")
    return _FORMATS_BY_SUFFIX[suffix]


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted or image


def _strip(image: Image.Image, fmt: str) -> Image.Image:
    """Copy the pixels into a fresh image, so no EXIF/XMP/ICC/text chunk survives."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha and fmt != "JPEG":
        image = image.convert("RGBA")
    elif has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _save(image: Image.Image, out: str | os.PathLike[str]) -> None:
    fmt = _output_format(out)
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = Path(out)
    # Written under a hidden name and renamed: nobody serves half a JPEG,
    # and a failure leaves nothing under the final name.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        image.save(tmp, format=fmt, **_SAVE_OPTIONS[fmt])
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _write_text(path: str | os.PathLike[str], text: str) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
