"""Is the whole file there, and does it decode?

Two facts shape this module (see FACTS.md): a cut-off MP4 whose index is at
the start still reports its full duration to every tool, and a full decode of
a long 1080p file costs seconds to minutes, while an upload's check should
cost about what ``ffprobe`` does.  So the check runs in tiers:

1. the ISO BMFF box walk (free) notices a box that runs past the end;
2. a short file (under :data:`FULL_DECODE_BUDGET`) is read whole: a demux
   pass over every packet compares how far the packets reach with the
   duration the header states, then every frame is decoded with FFmpeg's
   error detection turned up, so damage anywhere in a clip is found;
3. a longer file is *sampled*: at :data:`SAMPLES` points from start to end
   the demuxer seeks and one frame is decoded.  A cut-off file has no
   packets where its header promises them (how far they do reach is
   measured the same way); a file whose packets hold nothing decodes no
   frame.  Damage between the samples shows when the worker decodes the
   whole file for its preview.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Literal

import av
import av.error

from media.containers import mp4_layout
from media.errors import MediaError
from media.probe import MediaInfo, av_message, open_container

__all__ = ["IntegrityResult", "check_integrity", "FULL_DECODE_BUDGET"]

#: Read and decode a file whole when width x height x frames stays under this (about 5 s of 1080p at 30
#: fps, which decodes in a fraction of a second); above it, sample.
FULL_DECODE_BUDGET = 1920 * 1080 * 30 * 5
#: Audio-only files are read whole up to this duration (seconds); longer ones are sampled.
AUDIO_DECODE_LIMIT = 60
#: Points where a long file is sampled: its start, its end and evenly between (an odd number: a frame is
#: decoded at every other point, the start, the middle and the end included).
SAMPLES = 5
#: At most this many packets are read after one seek (a keyframe interval of 10 s at 30 fps).
_PACKETS_PER_SAMPLE = 300

DecodeMode = Literal["auto", "full", "keyframes", "sampled", "none"]


@dataclass
class IntegrityResult:
    """Outcome of :func:`check_integrity`; ``code`` is None when the file is whole."""

    code: str | None = None
    detail: str = ""
    #: Seconds of media the packets actually cover.
    readable: float | None = None
    #: Seconds the header promises.
    stated: float | None = None
    decoded_frames: int = 0
    decode_errors: int = 0
    mode: str = "none"

    @property
    def ok(self) -> bool:
        """True when neither truncation nor corruption was found."""
        return self.code is None


def check_integrity(
    path: str | os.PathLike[str],
    info: MediaInfo,
    decode: DecodeMode = "auto",
    container: av.container.InputContainer | None = None,
) -> IntegrityResult:
    """Look for truncation and corruption in a probed audio/video file.

    *container*: the file already open (:func:`media.probe.probe_open`), which a sampled check reads
    instead of opening the file again; the caller closes it.
    """
    if info.demuxer is None:
        raise MediaError("unrecognized_format", info.container, measured=info.container)
    result = IntegrityResult(stated=info.duration)
    cut_off = info.container in ("mp4", "mov", "3gp", "m4a") and mp4_layout(path).truncated
    if _decode_mode(info, decode) == "sampled" and _sampled_pass(path, info, result, container):
        if cut_off and result.code is None:
            result.code, result.detail = "truncated", "a box runs past the end of the file"
        result.mode = "sampled"
        return result
    _packet_pass(path, info, result)
    if cut_off and result.code is None:
        result.code, result.detail = "truncated", "a box runs past the end of the file"
    if result.code is not None:
        return result
    mode = _decode_mode(info, decode)
    result.mode = mode
    if mode not in ("none", "sampled"):
        _decode_pass(path, info, result, keyframes_only=mode == "keyframes")
    return result


def _packet_pass(path: str | os.PathLike[str], info: MediaInfo, result: IntegrityResult) -> None:
    ends: dict[int, float] = {}
    starts: dict[int, float] = {}
    corrupt_packets = 0
    try:
        with open_container(path, info.container) as container:
            for packet in container.demux():
                if packet.pts is None or packet.time_base is None:
                    continue
                if packet.is_corrupt:
                    corrupt_packets += 1
                index = packet.stream.index
                start = float(packet.pts * packet.time_base)
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                starts[index] = min(starts.get(index, start), start)
                ends[index] = max(ends.get(index, end), end)
    except av.error.EOFError:
        pass
    except av.error.MemoryError:
        raise  # the file asks for more memory than the check may use: media.sandbox says so
    except av.error.FFmpegError as exc:
        result.code, result.detail = "corrupt", av_message(exc)
        return
    if not ends:
        # Headers without a single timed packet: nothing was cut off, there was nothing to begin with.
        result.code, result.detail = "corrupt", "no timed packets"
        return
    result.readable = max(ends[i] - max(starts[i], 0.0) for i in ends)
    if _falls_short(result.readable, info.duration):
        result.code = "truncated"
        result.detail = f"packets reach {result.readable:.2f} s of {info.duration:.2f} s"
    elif corrupt_packets:
        result.code, result.detail = "corrupt", f"{corrupt_packets} packets flagged corrupt"


def _falls_short(readable: float | None, stated: float | None) -> bool:
    if not stated:
        return False
    if readable is None:
        return True
    # Container durations include a last frame's length and edit-list slack;
    # a real cut-off upload misses far more than this.
    return readable < stated - max(0.5, 0.02 * stated)


def _decode_mode(info: MediaInfo, requested: DecodeMode) -> str:
    if requested != "auto":
        return requested
    if not info.duration:
        # Without a stated duration there is nothing to sample against: read it whole.
        return "full" if info.has_video or info.has_audio else "none"
    if info.has_video:
        frames = info.duration * (info.fps or 30)
        cost = (info.coded_width or 0) * (info.coded_height or 0) * frames
        return "full" if cost <= FULL_DECODE_BUDGET else "sampled"
    if info.has_audio:
        return "full" if info.duration <= AUDIO_DECODE_LIMIT else "sampled"
    return "none"


def _sampled_pass(
    path: str | os.PathLike[str], info: MediaInfo, result: IntegrityResult, opened=None
) -> bool:
    """Seek to :data:`SAMPLES` points and decode a frame at each; False where the container cannot seek
    (the caller then reads the file whole)."""
    stated = float(info.duration or 0)
    points = [stated * i / (SAMPLES - 1) for i in range(SAMPLES)]
    points[-1] = max(0.0, stated - 1.0)  # the last second may hold only the final frame's tail
    try:
        with contextlib.ExitStack() as stack:
            container = opened or stack.enter_context(open_container(path, info.container))
            stream = _main_stream(container)
            # Frame threading holds frames back (3 packets for H.264, up to 8 for HEVC before the first
            # comes out); one frame a sample needs slice threads and a drain instead.
            _detect_errors(stream, threads="SLICE")
            for n, point in enumerate(points):
                try:
                    container.seek(int(point / stream.time_base), stream=stream, backward=True)
                except av.error.EOFError:
                    continue  # nothing there: the reach below says how far the file goes
                except av.error.FFmpegError:
                    if point == 0.0:
                        return False  # a container that cannot seek at all
                    continue
                # A frame is decoded at the start, the middle and the end; the points between check
                # only that packets are there (a 4K keyframe costs about 50 ms to decode).
                _sample(container, stream, point, result, to_end=n == len(points) - 1, decode=n % 2 == 0)
            if _falls_short(result.readable, stated) and result.readable:
                _narrow_reach(
                    container, stream, result, next((p for p in points if p > result.readable), stated)
                )
    except av.error.MemoryError:
        raise  # the file asks for more memory than the check may use: media.sandbox says so
    except av.error.FFmpegError as exc:
        result.code, result.detail = "corrupt", av_message(exc)
        return True
    if _falls_short(result.readable, stated):
        result.code = "truncated"
        reach = f"{result.readable:.2f}" if result.readable is not None else "no"
        result.detail = f"packets reach {reach} s of {stated:.2f} s"
    elif result.decode_errors:
        result.code, result.detail = "corrupt", f"{result.decode_errors} packets failed to decode"
    elif result.decoded_frames == 0:
        result.code, result.detail = "corrupt", "no frame could be decoded"
    return True


def _sample(container, stream, point: float, result: IntegrityResult, *, to_end: bool, decode: bool) -> None:
    """From the last seek, decode until one frame comes out and read packets on to *point* (to the end of
    the file for the last point), extending how far the packets reach.  Bounded but for that last stretch,
    which is one keyframe interval at most."""
    decoded = not decode
    try:
        for count, packet in enumerate(container.demux(stream)):
            end = None
            if packet.pts is not None and packet.time_base is not None:
                end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                result.readable = max(result.readable or 0.0, end)
                result.decode_errors += packet.is_corrupt
            if not decoded and count < _PACKETS_PER_SAMPLE:
                try:
                    frames = stream.decode(packet)
                    if not frames and packet.is_keyframe:
                        frames = stream.decode(None)  # drain: the keyframe's own picture, now
                        stream.codec_context.flush_buffers()
                except av.error.InvalidDataError:
                    result.decode_errors += 1
                    frames = []
                result.decoded_frames += len(frames)
                decoded = bool(frames)
            if to_end:
                continue
            if count >= _PACKETS_PER_SAMPLE or (decoded and end is not None and end >= point):
                break
    except av.error.EOFError:
        pass
    # A fresh decoder for the next seek: what is buffered here belongs to this point.
    stream.codec_context.flush_buffers()


def _narrow_reach(container, stream, result: IntegrityResult, beyond: float) -> None:
    """Between the last sample that had packets and the first that had none, find to within a second
    where the packets stop, so the message says how much of the file is there (a rare case: a few seeks)."""
    low, high = result.readable or 0.0, beyond
    while high - low > 1.0:
        middle = (low + high) / 2
        reach = None
        try:
            container.seek(int(middle / stream.time_base), stream=stream, backward=True)
            for count, packet in enumerate(container.demux(stream)):
                if packet.pts is not None and packet.time_base is not None:
                    reach = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                if (reach is not None and reach >= middle) or count >= _PACKETS_PER_SAMPLE:
                    break
        except av.error.EOFError:
            pass
        if reach is not None and reach >= middle:
            low = reach
        else:
            high = middle
    result.readable = max(result.readable or 0.0, low)


def _main_stream(container):
    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    return streams[0] if streams else container.streams.audio[0]


def _detect_errors(stream, threads: str = "AUTO") -> None:
    ctx = stream.codec_context
    # "explode" turns concealed errors (grey blocks, skipped slices)
    # into exceptions we can count; "careful" adds cheap consistency checks.
    ctx.options = {
        **ctx.options,
        "err_detect": "crccheck+bitstream+buffer+explode+careful",
    }  # keeps max_pixels
    ctx.thread_type = threads


def _decode_pass(
    path: str | os.PathLike[str], info: MediaInfo, result: IntegrityResult, keyframes_only: bool
) -> None:
    try:
        with open_container(path, info.container) as container:
            stream = _main_stream(container)
            _detect_errors(stream)
            if keyframes_only:
                stream.codec_context.skip_frame = "NONKEY"
            for packet in container.demux(stream):
                # demux() ends with an empty packet, which flushes the decoder.
                try:
                    result.decoded_frames += len(stream.decode(packet))
                except av.error.InvalidDataError:
                    result.decode_errors += 1
    except av.error.MemoryError:
        raise  # the file asks for more memory than the check may use: media.sandbox says so
    except av.error.FFmpegError as exc:
        result.code, result.detail = "corrupt", av_message(exc)
        return
    if result.decode_errors:
        result.code = "corrupt"
        result.detail = f"{result.decode_errors} packets failed to decode"
    elif result.decoded_frames == 0:
        # Headers that promise a stream whose packets hold nothing: no player would show or play anything.
        result.code, result.detail = "corrupt", "no frame could be decoded"
