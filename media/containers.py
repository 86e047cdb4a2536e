"""Header-only readers for the two container families phones and browsers write.

PyAV 18 exposes the display matrix (the "rotate this phone video" flag) only on
decoded frames, and decoding a 4K keyframe just to learn the display size costs
more than the whole ``ffmpeg -i`` it replaces.  The matrix is a few bytes in
the ISO BMFF ``tkhd`` box or the Matroska ``Projection`` element, so it is read
here directly.  The ISO BMFF walk also tells a cut-off upload (a box that runs
past the end of the file) from a damaged one, for free.

Both readers touch a bounded number of bytes and stop at the first thing that
does not parse: they never raise on hostile input.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

__all__ = ["Mp4Layout", "mp4_layout", "matroska_rotation", "normalise_rotation"]

#: Box headers read per file at most: a hostile moov of millions of tiny
#: boxes must not keep a worker busy.
_MAX_BOXES = 20_000
_CONTAINER_BOXES = {b"moov", b"trak"}
_MKV_SCAN_BYTES = 1 << 20


def normalise_rotation(degrees: float) -> int:
    """Round a display rotation to 0, 90, 180 or 270 (counterclockwise)."""
    return int(round(degrees / 90.0)) % 4 * 90


@dataclass
class Mp4Layout:
    """What the top-level box walk of an ISO BMFF (MP4/MOV/3GP) file found."""

    has_moov: bool = False
    #: A box declares more bytes than the file holds: the upload was cut off.
    truncated: bool = False
    #: Track ID -> counterclockwise display rotation in degrees.
    rotations: dict[int, int] = field(default_factory=dict)
    top_level: list[str] = field(default_factory=list)
    boxes_read: int = 0


def mp4_layout(path: str | os.PathLike[str]) -> Mp4Layout:
    """Walk the top-level boxes of an ISO BMFF file and read each track's ``tkhd``."""
    layout = Mp4Layout()
    with open(path, "rb") as fh:
        end = os.fstat(fh.fileno()).st_size
        for kind, start, size in _boxes(fh, 0, end, layout):
            layout.top_level.append(kind.decode("latin-1"))
            if kind == b"moov":
                layout.has_moov = True
                _read_moov(fh, start, start + size, layout)
    return layout


def _boxes(fh: BinaryIO, start: int, end: int, layout: Mp4Layout):
    """Yield (type, payload offset, payload size) for boxes in [start, end)."""
    offset = start
    while layout.boxes_read < _MAX_BOXES:
        layout.boxes_read += 1
        if offset + 8 > end:
            return
        fh.seek(offset)
        header = fh.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        header_len = 8
        if size == 1:
            if len(header) < 16:
                layout.truncated = True
                return
            size = struct.unpack(">Q", header[8:16])[0]
            header_len = 16
        elif size == 0:
            size = end - offset
        if size < header_len:
            return
        if offset + size > end:
            layout.truncated = True
            size = end - offset
        yield kind, offset + header_len, size - header_len
        offset += size


def _read_moov(fh: BinaryIO, start: int, end: int, layout: Mp4Layout) -> None:
    for kind, child_start, child_size in _boxes(fh, start, end, layout):
        if kind == b"trak":
            for tkind, tstart, tsize in _boxes(fh, child_start, child_start + child_size, layout):
                if tkind == b"tkhd":
                    fh.seek(tstart)
                    parsed = _parse_tkhd(fh.read(min(tsize, 104)))
                    if parsed is not None:
                        track_id, rotation = parsed
                        layout.rotations[track_id] = rotation
                    break


def _parse_tkhd(data: bytes) -> tuple[int, int] | None:
    if len(data) < 4:
        return None
    version = data[0]
    id_at, matrix_at = (20, 52) if version == 1 else (12, 40)
    if len(data) < matrix_at + 36:
        return None
    track_id = struct.unpack(">I", data[id_at : id_at + 4])[0]
    a, b, _u, c, d = struct.unpack(">5i", data[matrix_at : matrix_at + 20])
    return track_id, _matrix_rotation(a, b, c, d)


def _matrix_rotation(a: int, b: int, c: int, d: int) -> int:
    # Same arithmetic as FFmpeg's av_display_rotation_get(), so the result
    # matches what PyAV reports later as frame.rotation.
    scale_0, scale_1 = math.hypot(a, c), math.hypot(b, d)
    if scale_0 == 0 or scale_1 == 0:
        return 0
    return normalise_rotation(-math.degrees(math.atan2(b / scale_1, a / scale_0)))


def matroska_rotation(path: str | os.PathLike[str]) -> int:
    """Rotation of the first video track of a Matroska/WebM file (0 when absent)."""
    with open(path, "rb") as fh:
        data = fh.read(_MKV_SCAN_BYTES)
    try:
        return _mkv_rotation(data)
    except (IndexError, ValueError, struct.error):
        return 0


_SEGMENT, _TRACKS, _CLUSTER = 0x18538067, 0x1654AE6B, 0x1F43B675
_TRACK_ENTRY, _TRACK_TYPE, _VIDEO, _PROJECTION = 0xAE, 0x83, 0xE0, 0x7670
_POSE_YAW, _POSE_PITCH, _POSE_ROLL = 0x7673, 0x7674, 0x7675


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int, bool]:
    """Read an EBML variable-length integer: (value, new position, all-ones)."""
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if first == 0 or length > 8:
        raise ValueError("bad EBML vint")
    raw = int.from_bytes(data[pos : pos + length], "big")
    value = raw if keep_marker else raw & ((1 << (7 * length)) - 1)
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def _elements(data: bytes, start: int, end: int):
    pos = start
    while pos < end:
        element_id, pos, _ = _vint(data, pos, keep_marker=True)
        size, pos, unknown = _vint(data, pos, keep_marker=False)
        stop = end if unknown else min(pos + size, end)
        yield element_id, pos, stop, unknown
        pos = stop


def _mkv_rotation(data: bytes) -> int:
    for element_id, start, stop, _ in _elements(data, 0, len(data)):
        if element_id != _SEGMENT:
            continue
        for child_id, cstart, cstop, unknown in _elements(data, start, stop):
            if child_id == _TRACKS:
                return _tracks_rotation(data, cstart, cstop)
            if child_id == _CLUSTER or unknown:
                return 0
    return 0


def _tracks_rotation(data: bytes, start: int, stop: int) -> int:
    for entry_id, estart, estop, _ in _elements(data, start, stop):
        if entry_id != _TRACK_ENTRY:
            continue
        track_type, pose = None, {}
        for field_id, fstart, fstop, _ in _elements(data, estart, estop):
            if field_id == _TRACK_TYPE:
                track_type = int.from_bytes(data[fstart:fstop], "big")
            elif field_id == _VIDEO:
                pose = _projection_pose(data, fstart, fstop)
        if track_type == 1:
            if pose.get(_POSE_PITCH, 0.0) or pose.get(_POSE_YAW, 0.0) not in (0.0, 180.0, -180.0):
                return 0
            # FFmpeg turns ProjectionPoseRoll into the display matrix whose
            # rotation PyAV later reports on frames: the same angle.
            return normalise_rotation(pose.get(_POSE_ROLL, 0.0))
    return 0


def _projection_pose(data: bytes, start: int, stop: int) -> dict[int, float]:
    pose: dict[int, float] = {}
    for video_id, vstart, vstop, _ in _elements(data, start, stop):
        if video_id != _PROJECTION:
            continue
        for pose_id, pstart, pstop, _ in _elements(data, vstart, vstop):
            if pose_id in (_POSE_YAW, _POSE_PITCH, _POSE_ROLL) and pstop - pstart in (4, 8):
                fmt = ">f" if pstop - pstart == 4 else ">d"
                pose[pose_id] = struct.unpack(fmt, data[pstart:pstop])[0]
    return pose
