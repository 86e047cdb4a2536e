"""Content sniffing: decide what a file is from its first bytes.

The extension and the content type a browser sends are chosen by the uploader,
so they are never consulted.  What matters is what FFmpeg or Pillow would make
of the bytes: several FFmpeg demuxers (HLS, ffconcat, SDP, ...) read *text*
that names other files or network addresses, and a browser renders SVG or HTML
as active content.  Those are reported as ``unsafe`` so that no decoder ever
sees them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["Sniffed", "sniff", "sniff_bytes", "HEAD_SIZE"]

#: Bytes read from the start of a file; enough for every signature below
#: (MPEG-TS needs three 188-byte packets, text markers may follow a preamble).
HEAD_SIZE = 4096

KINDS = ("video", "image", "audio", "document", "unknown")


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say.

    ``kind`` is one of video/image/audio/document/unknown; for containers that
    can hold either sound or pictures (MP4, Matroska, Ogg) it is the likely
    kind and the probe refines it from the streams.  ``format`` is a short
    container name (``mp4``, ``mov``, ``webm``, ``jpeg``, ``hls``, ``empty``...).
    """

    kind: str
    format: str
    unsafe: bool = False

    @property
    def empty(self) -> bool:
        """True for a zero-byte file."""
        return self.format == "empty"


# Text that makes an FFmpeg demuxer open other files or URLs, or that a
# browser would execute.  Matched case-insensitively near the start.
_UNSAFE_TEXT: tuple[tuple[bytes, str], ...] = (
    (b"#extm3u", "hls"),
    (b"#ext-x-", "hls"),
    (b"ffconcat version", "ffconcat"),
    (b";ffmetadata", "ffmetadata"),
    (b"<?xml", "xml"),
    (b"<svg", "svg"),
    (b"<!doctype", "html"),
    (b"<html", "html"),
    (b"<script", "html"),
    (b"<mpd", "dash"),
    (b"<smil", "smil"),
    (b"<asx", "asx"),
    (b"[playlist]", "pls"),
    (b"[reference]", "asf-reference"),
)

# A plain M3U or concat list has no header: its first entry is a reference
# ("file 'x.mp4'", a URL or a protocol such as concat: or subfile:).
_REFERENCE = re.compile(
    rb"(file\s+\S|(https?|rtmp|rtsp|file|concat|subfile|crypto|data|tcp|udp|ftp|pipe)[a-z0-9+]*:)",
    re.IGNORECASE,
)
_SDP = re.compile(rb"^v=0\r?\n(?:[a-z]=[^\n]*\n){0,3}?[osc]=", re.MULTILINE)

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

# ftyp major brands -> (kind, format)
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_RIFF = {b"AVI ": ("video", "avi"), b"WAVE": ("audio", "wav"), b"WEBP": ("image", "webp")}
_MOV_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"PICT", b"uuid"}


def sniff(path: str | os.PathLike[str]) -> Sniffed:
    """Sniff the file at *path* from its first :data:`HEAD_SIZE` bytes."""
    with open(path, "rb") as fh:
        return sniff_bytes(fh.read(HEAD_SIZE))


def sniff_bytes(head: bytes) -> Sniffed:
    """Classify *head*, the first bytes of a file (at most :data:`HEAD_SIZE` are used)."""
    head = head[:HEAD_SIZE]
    if not head:
        return Sniffed("unknown", "empty")
    binary = _sniff_binary(head)
    if binary is not None:
        return binary
    return _sniff_text(head)


def _sniff_binary(head: bytes) -> Sniffed | None:  # noqa: C901
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return Sniffed("image", "avif" if brand.startswith(b"avi") else "heif")
        if brand in _AUDIO_BRANDS:
            return Sniffed("audio", "m4a")
        if brand == b"qt  ":
            return Sniffed("video", "mov")
        if brand.startswith(b"3g"):
            return Sniffed("video", "3gp")
        return Sniffed("video", "mp4")
    if len(head) >= 8 and head[4:8] in _MOV_BOXES and _box_size_ok(int.from_bytes(head[:4], "big")):
        # Old QuickTime files start with a box other than ftyp.
        return Sniffed("video", "mov")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "webm" if b"webm" in head[:64] else "matroska")
    if head.startswith(b"RIFF") and len(head) >= 12:
        riff = _RIFF.get(head[8:12])
        return Sniffed(*riff) if riff else None
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("image", "gif")
    # Classic TIFF, then BigTIFF (version 43: 64-bit offsets, what scanners and GIS tools write past 4 GB).
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return Sniffed("image", "tiff")
    if head.startswith(b"BM") and len(head) >= 18 and head[6:10] == b"\x00\x00\x00\x00":
        return Sniffed("image", "bmp")
    if head.startswith(b"OggS"):
        return Sniffed("audio", "ogg")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac")
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return Sniffed("audio", "mp3")
    if _adts_frame(head):
        return Sniffed("audio", "aac")
    if _mpegts(head):
        return Sniffed("video", "mpegts")
    if head.startswith(b"\x00\x00\x01\xba"):
        return Sniffed("video", "mpeg")
    if head.startswith(b"%PDF-"):
        return Sniffed("document", "pdf")
    if head.startswith(b"PK\x03\x04"):
        return Sniffed("document", "zip")
    return None


def _box_size_ok(size: int) -> bool:
    return size in (0, 1) or size >= 8


def _mpeg_audio_frame(head: bytes) -> bool:
    # 11-bit sync, a valid version, layer III, and a bitrate index that is
    # neither "free" nor "bad": random data rarely passes all of these.
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def _adts_frame(head: bytes) -> bool:
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF < 13


def _mpegts(head: bytes) -> bool:
    for packet in (188, 192):
        start = packet - 188
        if len(head) >= start + 3 * packet and all(head[start + i * packet] == 0x47 for i in range(3)):
            return True
    return False


def _sniff_text(head: bytes) -> Sniffed:
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if text.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in text[:512]:
        # UTF-16 text: drop the NULs so the markers below still match.
        text = text.replace(b"\x00", b"")
    lowered = text.lower()
    stripped = lowered.lstrip()
    for marker, label in _UNSAFE_TEXT:
        if stripped.startswith(marker) or (marker.startswith(b"#ext") and marker in lowered):
            return Sniffed("unknown", label, unsafe=True)
    if b"<svg" in lowered or b"<html" in lowered or b"<script" in lowered:
        return Sniffed("unknown", "html" if b"<svg" not in lowered else "svg", unsafe=True)
    if _SDP.match(stripped):
        return Sniffed("unknown", "sdp", unsafe=True)
    if not _looks_like_text(text):
        return Sniffed("unknown", "binary")
    if _first_entry_is_reference(text):
        return Sniffed("unknown", "playlist", unsafe=True)
    return Sniffed("document", "text")


def _first_entry_is_reference(text: bytes) -> bool:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(b"#"):
            return _REFERENCE.match(line) is not None
    return False


def _looks_like_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is fine.
        if exc.start < len(data) - 3:
            return False
    controls = sum(1 for b in data if b < 9 or 13 < b < 32)
    return controls <= len(data) // 100
