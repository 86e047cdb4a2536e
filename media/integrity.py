"""Is the whole file there, and does it decode?

Two facts shape this module (see FACTS.md): a cut-off MP4 whose index is at
the start still reports its full duration to every tool, and a full decode of
a long 1080p file costs seconds to minutes.  So the check runs in tiers:

1. the ISO BMFF box walk (free) notices a box that runs past the end;
2. a demux pass over every packet, without decoding, compares how far the
   packets reach with the duration the header states (~0.1 s for a minute of
   1080p);
3. a decode pass with FFmpeg's error detection turned up: every frame of a
   short file, only the keyframes of a long one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import av
import av.error

from media.containers import mp4_layout
from media.errors import MediaError
from media.probe import MediaInfo, av_message, open_container

__all__ = ["IntegrityResult", "check_integrity", "FULL_DECODE_BUDGET"]

#: Decode every frame when width x height x frames stays under this
#: (about 20 s of 1080p at 30 fps); above it, decode keyframes only.
FULL_DECODE_BUDGET = 1920 * 1080 * 30 * 20
#: Audio-only files are decoded in full up to this duration (seconds).
AUDIO_DECODE_LIMIT = 20 * 60

DecodeMode = Literal["auto", "full", "keyframes", "none"]


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
    path: str | os.PathLike[str], info: MediaInfo, decode: DecodeMode = "auto"
) -> IntegrityResult:
    """Look for truncation and corruption in a probed audio/video file."""
    if info.demuxer is None:
        raise MediaError("unrecognized_format", info.container, measured=info.container)
    result = IntegrityResult(stated=info.duration)
    cut_off = info.container in ("mp4", "mov", "3gp", "m4a") and mp4_layout(path).truncated
    _packet_pass(path, info, result)
    if cut_off and result.code is None:
        result.code, result.detail = "truncated", "a box runs past the end of the file"
    if result.code is not None:
        return result
    mode = _decode_mode(info, decode)
    result.mode = mode
    if mode != "none":
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
    if info.has_video:
        frames = (info.duration or 0) * (info.fps or 30)
        cost = (info.coded_width or 0) * (info.coded_height or 0) * frames
        return "full" if cost <= FULL_DECODE_BUDGET else "keyframes"
    if info.has_audio and (info.duration or 0) <= AUDIO_DECODE_LIMIT:
        return "full"
    return "none"


def _decode_pass(
    path: str | os.PathLike[str], info: MediaInfo, result: IntegrityResult, keyframes_only: bool
) -> None:
    try:
        with open_container(path, info.container) as container:
            streams = [
                s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            ]
            stream = streams[0] if streams else container.streams.audio[0]
            ctx = stream.codec_context
            # "explode" turns concealed errors (grey blocks, skipped slices)
            # into exceptions we can count; "careful" adds cheap consistency checks.
            ctx.options = {"err_detect": "crccheck+bitstream+buffer+explode+careful"}
            ctx.thread_type = "AUTO"
            if keyframes_only:
                ctx.skip_frame = "NONKEY"
            for packet in container.demux(stream):
                # demux() ends with an empty packet, which flushes the decoder.
                try:
                    result.decoded_frames += len(stream.decode(packet))
                except av.error.InvalidDataError:
                    result.decode_errors += 1
    except av.error.FFmpegError as exc:
        result.code, result.detail = "corrupt", av_message(exc)
        return
    if result.decode_errors:
        result.code = "corrupt"
        result.detail = f"{result.decode_errors} packets failed to decode"
    elif result.decoded_frames == 0:
        # Headers that promise a stream whose packets hold nothing: no player would show or play anything.
        result.code, result.detail = "corrupt", "no frame could be decoded"
