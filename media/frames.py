"""Grab video frames with PyAV and turn them into upright Pillow images.

Seeking lands on the keyframe at or before a time; decoding that one frame is
what makes PyAV posters several times cheaper than a moviepy clip (FACTS.md).
When the nearest keyframe is too far from the wanted time (VP9 and screen
recordings often have a keyframe every few seconds only), the reader decodes
forward, and it keeps decoding instead of seeking again when the next wanted
time lies in the same group of pictures.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from fractions import Fraction
from typing import cast

import av
import av.error
from PIL import Image, ImageStat

from media.containers import normalise_rotation
from media.errors import MediaError
from media.probe import MediaInfo, av_message, open_container

__all__ = ["FrameReader", "frame_score", "to_upright_image", "display_size"]

#: Frames scored for "is this an interesting picture" are shrunk to about this width.
_SCORE_WIDTH = 64
#: Timestamps closer than this (seconds) are the same instant (float rounding).
_EPSILON = 1e-3
#: Pixel formats whose first plane is 8-bit luma.
_PLANAR_8BIT = {
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "yuv440p",
    "yuvj440p",
    "yuv411p",
    "nv12",
    "nv21",
    "gray",
}


class FrameReader:
    """Sequential and random access to the first video stream of a probed file.

    Pass ``sequential=True`` when many frames will be decoded in a row.  Use
    as a context manager; the container is closed on exit.
    """

    def __init__(self, path: str | os.PathLike[str], info: MediaInfo, *, sequential: bool = False) -> None:
        if not info.has_video or info.kind != "video":
            raise MediaError("no_video_stream")
        self.info = info
        self.container = open_container(path, info.container)
        streams = [
            s for s in self.container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not streams:
            self.container.close()
            raise MediaError("no_video_stream")
        self.stream = streams[0]
        # Slice threads add no output delay, which suits one frame per seek
        # (posters).  Frame threads make each seek wait for a short pipeline
        # but decode runs of frames ~1.7x faster on two cores (sprite sheets):
        # measured with bench/media.py.
        self.stream.thread_type = "AUTO" if sequential else "SLICE"
        self.time_base: Fraction = self.stream.time_base or Fraction(1, av.time_base)
        self.start = self.stream.start_time or 0
        self._start_seconds = float(self.start * self.time_base)
        #: Pixel aspect ratio; anamorphic DV and some phones store non-square pixels.
        self.sample_aspect_ratio = self.stream.sample_aspect_ratio or Fraction(1)
        self._frames: Iterator[av.VideoFrame] | None = None
        self._pending: av.VideoFrame | None = None
        self._last_time: float | None = None
        self._keyframes: list[tuple[int, int]] | None = None

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the demuxer and decoder."""
        self.container.close()

    def time_of(self, frame: av.VideoFrame) -> float | None:
        """Seconds from the start of the stream to *frame* (MPEG-TS clocks do not start at 0)."""
        return None if frame.time is None else frame.time - self._start_seconds

    def keyframe_near(self, seconds: float) -> av.VideoFrame | None:
        """The keyframe at or before *seconds* (the first frame after a seek)."""
        self._seek(seconds)
        self.stream.codec_context.skip_frame = "NONKEY"
        try:
            return self._next()
        finally:
            self.stream.codec_context.skip_frame = "DEFAULT"

    def keyframes_near(self, times: list[float]) -> list[tuple[float, int]]:
        """Distinct (time, packet size) of the keyframe at or before each of *times*.

        Read from the demuxer's index without decoding; empty when the file
        has no usable index.  Sizes are 0 where the index does not record them
        (Matroska cues).
        """
        entries = self._keyframe_entries()
        if not entries:
            return []
        stamps = [pts for pts, _size in entries]
        chosen: dict[int, int] = {}
        for seconds in times:
            target = self.start + int(max(0.0, seconds) / self.time_base)
            i = max(0, bisect.bisect_right(stamps, target) - 1)
            chosen[entries[i][0]] = entries[i][1]
        return [(float((pts - self.start) * self.time_base), size) for pts, size in chosen.items()]

    def frame_at(self, seconds: float, not_before: float | None = None) -> av.VideoFrame | None:
        """The frame a player shows at *seconds*, or with *not_before*, the first frame from then on.

        Decodes forward from the current position when the keyframe before
        *seconds* has already been passed, and seeks otherwise.
        """
        if not self._can_continue_to(seconds):
            self._seek_not_after(seconds)
        previous = None
        while True:
            frame = self._next()
            if frame is None:
                return previous
            shown = self.time_of(frame)
            if shown is None:
                return frame
            if not_before is not None:
                if shown >= not_before - _EPSILON:
                    return frame
            elif shown > seconds + _EPSILON:
                if previous is None:
                    return frame
                # Keep the frame we looked ahead at for the next call.
                self._pending = frame
                return previous
            previous = frame

    def _next(self) -> av.VideoFrame | None:
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        if self._frames is None:
            self._frames = self.container.decode(self.stream)
        try:
            frame = next(self._frames)
        except StopIteration:
            self._frames = None
            return None
        except av.error.InvalidDataError as exc:
            raise MediaError("corrupt", av_message(exc)) from exc
        self._last_time = self.time_of(frame)
        return frame

    def _seek_not_after(self, seconds: float) -> None:
        """Seek so that decoding starts at or before *seconds*.

        Formats without an index (MPEG-TS) seek by bisecting timestamps and
        may land after the target; step further back until they do not.
        """
        back = 0.0
        for _ in range(5):
            self._seek(max(0.0, seconds - back))
            frame = self._next()
            shown = None if frame is None else self.time_of(frame)
            if shown is None or shown <= seconds + _EPSILON or seconds - back <= 0:
                self._pending = frame
                return
            back = back * 4 or 1.0
        self._pending = frame

    def _seek(self, seconds: float) -> None:
        target = self.start + int(max(0.0, seconds) / self.time_base)
        self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        self._frames = None
        self._pending = None
        self._last_time = None

    def _can_continue_to(self, seconds: float) -> bool:
        # Loading a Matroska index seeks, so do it before looking at the position.
        keyframes = self._keyframe_index()
        if self._frames is None or self._last_time is None or self._last_time > seconds:
            return False
        if not keyframes:
            return False
        target = self.start + int(seconds / self.time_base)
        i = bisect.bisect_right(keyframes, target) - 1
        last_pts = self.start + int(self._last_time / self.time_base)
        # No keyframe between where the decoder is and the target: decoding
        # on is cheaper than seeking back to the same keyframe.
        return i < 0 or keyframes[i] <= last_pts

    def _keyframe_index(self) -> list[int]:
        return [pts for pts, _size in self._keyframe_entries()]

    def _keyframe_entries(self) -> list[tuple[int, int]]:
        if not self._keyframes:
            entries = self.stream.index_entries
            if len(entries) < 2 and self.info.container in ("matroska", "webm"):
                # Matroska reads its cue index on the first seek; MP4 has it at open.
                self._seek((self.info.duration or 0.0) / 2)
                entries = self.stream.index_entries
            self._keyframes = sorted((e.timestamp, e.size) for e in entries if e.is_keyframe)
        return self._keyframes


def display_size(frame: av.VideoFrame, width: int, sar: Fraction | None = None) -> tuple[int, int]:
    """Even (width, height) for *frame* shown upright and at most *width* pixels wide."""
    coded_w, coded_h = frame.width * float(sar or 1), frame.height
    if normalise_rotation(frame.rotation) in (90, 270):
        coded_w, coded_h = coded_h, coded_w
    width = max(2, min(width, int(coded_w)) // 2 * 2)
    height = max(2, int(round(width * coded_h / coded_w / 2)) * 2)
    return width, height


def to_upright_image(frame: av.VideoFrame, width: int, sar: Fraction | None = None) -> Image.Image:
    """Scale *frame* to *width* pixels wide (display aspect) and rotate it upright."""
    out_w, out_h = display_size(frame, width, sar)
    rotation = normalise_rotation(frame.rotation)
    scale_w, scale_h = (out_h, out_w) if rotation in (90, 270) else (out_w, out_h)
    image = frame.reformat(width=scale_w, height=scale_h, format="rgb24", interpolation="AREA").to_image()
    # PyAV's rotation and Pillow's rotate() both turn counterclockwise, so the
    # result matches the picture ffmpeg's autorotate shows.
    return image.rotate(rotation, expand=True) if rotation else image


def frame_score(frame: av.VideoFrame) -> float:
    """How much a frame looks like a picture rather than black, white or flat fill.

    Entropy of the luma histogram (0-8 bits) plus a contrast bonus; frames that
    are mostly dark, blown out or flat are pushed below every real picture.
    """
    luma = _small_luma(frame)
    stats = ImageStat.Stat(luma)
    mean, spread = stats.mean[0], stats.stddev[0]
    score = luma.entropy() + min(spread, 64.0) / 32.0
    # Limited-range video puts black at 16 and white at 235.
    if mean < 28 or mean > 228 or spread < 10:
        score -= 10.0
    return score


def _small_luma(frame: av.VideoFrame) -> Image.Image:
    if frame.format.name in _PLANAR_8BIT:
        # The Y plane already is the luma picture: wrap it without copying
        # and box-shrink it, several times cheaper than a swscale round trip.
        plane = frame.planes[0]
        # Pillow's stub asks for bytes, but frombuffer maps any buffer-protocol
        # object, which a plane is; the cast keeps the zero-copy path.
        full = Image.frombuffer("L", (plane.line_size, plane.height), cast(bytes, plane), "raw", "L", 0, 1)
        factor = max(1, frame.width // _SCORE_WIDTH)
        return full.crop((0, 0, frame.width, frame.height)).reduce(factor)
    height = max(2, int(_SCORE_WIDTH * frame.height / max(frame.width, 1)))
    return frame.reformat(width=_SCORE_WIDTH, height=height, format="gray").to_image().convert("L")
