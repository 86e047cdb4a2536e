"""Browser-playable previews (H.264/AAC MP4, ``+faststart``, at most 720p).

Made with the FFmpeg CLI rather than moviepy: FACTS.md measured 18.9 s
against 25.7 s for a minute of 1080p, and moviepy also ignores the rotation
matrix, writes odd sizes in pixel formats browsers refuse and resamples the
audio.  FFmpeg rotates phone video upright by itself; the output carries no
rotation flag and no metadata from the upload (``-map_metadata -1``: phones
record the GPS position there).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from media.errors import MediaError
from media.ffmpeg import DEFAULT_MAX_MEMORY, input_args, run_ffmpeg
from media.probe import MediaInfo, probe

__all__ = [
    "PreviewResult",
    "make_preview",
    "needs_preview",
    "needs_transcode",
    "preview_reasons",
    "remux_copy",
]

#: Container -> (video codecs, audio codecs) every current browser plays from it.
_PLAYABLE = {
    "mp4": ({"h264"}, {"aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
}
_PLAYABLE_PIX_FMTS = {"yuv420p", "yuvj420p"}
#: Many phone and laptop decoders stop at 4096 pixels a side.
_MAX_PLAYABLE_SIDE = 4096


@dataclass
class PreviewResult:
    """A preview written to ``path``."""

    path: str
    width: int
    height: int
    duration: float | None
    elapsed: float


def preview_reasons(info: MediaInfo) -> list[str]:
    """Why a browser could not play the upload as it is (empty: it can)."""
    if info.kind != "video":
        return []
    playable = _PLAYABLE.get(info.container)
    if playable is None:
        return [f"container {info.container}"]
    video_codecs, audio_codecs = playable
    reasons = []
    if info.video_codec not in video_codecs:
        reasons.append(f"video codec {info.video_codec}")
    if info.pix_fmt not in _PLAYABLE_PIX_FMTS:
        reasons.append(f"pixel format {info.pix_fmt}")
    if info.has_audio and info.audio_codec not in audio_codecs:
        reasons.append(f"audio codec {info.audio_codec}")
    if max(info.width or 0, info.height or 0) > _MAX_PLAYABLE_SIDE:
        reasons.append(f"size {info.width}x{info.height}")
    return reasons


def needs_preview(info: MediaInfo) -> bool:
    """True when the upload is a video a browser cannot play as uploaded."""
    return bool(preview_reasons(info))


def needs_transcode(info: MediaInfo) -> bool:
    """True when the preview must be an H.264/AAC transcode rather than a copy of the upload's streams.

    Desktop browsers play WebM (VP8, VP9, AV1), but many phones do not (Safari before iOS 17.4, older
    Android devices without a hardware VP9 decoder), and a preview is what every player serves: so a WebM
    upload is transcoded too.  Only an MP4 a browser plays as it is keeps its streams.
    """
    return needs_preview(info) or (info.kind == "video" and info.container != "mp4")


def make_preview(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    info: MediaInfo | None = None,
    max_height: int = 720,
    crf: int = 23,
    preset: str = "veryfast",
    timeout: float | None = None,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
) -> PreviewResult:
    """Transcode *path* to a web preview at *out* (MP4), upright and at most *max_height*p.

    Portrait video is bounded the other way round (at most 720 pixels wide).
    *timeout* defaults to 120 s plus four times the duration; on timeout the
    FFmpeg process group is killed and :class:`media.ffmpeg.FFmpegError` raised.
    """
    info = info or probe(path)
    if info.kind != "video" or not info.has_video or info.width is None or info.height is None:
        raise MediaError("no_video_stream")
    if timeout is None:
        timeout = 120 + 4 * (info.duration or 600)
    box_w, box_h = _box(info.width, info.height, max_height)
    scale = (
        f"scale=w={box_w}:h={box_h}:force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p"
    )
    out = Path(out)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    args = [
        *input_args(path, info.container),
        # "?" keeps silent clips working; subtitles and data tracks are dropped.
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        # 120/240 fps slow-motion phone clips are too heavy for many browsers.
        "-vf",
        scale,
        "-fpsmax",
        "60",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-y",
        "file:" + str(partial.resolve()),
    ]
    started = time.monotonic()
    try:
        run_ffmpeg(args, timeout=timeout, max_memory=max_memory)
        result = probe(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return PreviewResult(
        str(out), result.width or 0, result.height or 0, result.duration, time.monotonic() - started
    )


def remux_copy(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    info: MediaInfo | None = None,
    timeout: float | None = None,
) -> PreviewResult:
    """Copy a browser-playable upload's first video and audio streams into a fresh file at *out*.

    Nothing is decoded (a packet copy takes about as long as reading the
    file), but the browser then plays bytes Gongbang wrote: the uploaded
    file itself is never served inline.  Metadata (GPS positions, device
    names) is dropped; the rotation matrix, which is stream side data, stays.
    """
    info = info or probe(path)
    if needs_preview(info) or not info.has_video:
        raise MediaError("codec_not_allowed", measured=info.video_codec)
    fmt = "webm" if info.container == "webm" else "mp4"
    out = Path(out)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    args = [
        *input_args(path, info.container),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-c",
        "copy",
    ]
    if fmt == "mp4":
        args += ["-movflags", "+faststart"]
    args += ["-f", fmt, "-y", "file:" + str(partial.resolve())]
    started = time.monotonic()
    try:
        run_ffmpeg(args, timeout=timeout or 60 + (info.duration or 600) / 4)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return PreviewResult(
        str(out), info.width or 0, info.height or 0, info.duration, time.monotonic() - started
    )


def _box(width: int, height: int, max_height: int) -> tuple[int, int]:
    """The (width, height) box to fit into: never larger than the source, never upscaled."""
    long_side = max_height * 16 // 9
    if width >= height:
        box_w, box_h = min(width, long_side), min(height, max_height)
    else:
        box_w, box_h = min(width, max_height), min(height, long_side)
    return max(2, box_w // 2 * 2), max(2, box_h // 2 * 2)
