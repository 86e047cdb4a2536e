"""Baked badges (Open Badges 3.0, "Badge Baking"): the credential inside a PNG or SVG image.

PNG: an ``iTXt`` chunk with the keyword ``openbadgecredential``, uncompressed, holding the credential's
JSON, before ``IEND``.  SVG: an ``<openbadges:credential>`` element (namespace
``https://purl.imsglobal.org/ob/v3p0``) right inside the root, with the JSON in CDATA.  Pure: no Flask.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from functools import cache
from xml.sax.saxutils import escape

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
SVG_NS = "https://purl.imsglobal.org/ob/v3p0"


class BakingError(ValueError):
    """Not a baked badge: no PNG or SVG, or no credential inside."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG")
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        if len(data) != length:
            raise BakingError("truncated PNG")
        yield at, kind, data
        at += 12 + length


@cache
def badge_png() -> bytes:
    """The plain badge image: a 256 px seal drawn with Pillow (no text, so no font is needed)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=(23, 92, 160, 255))
    draw.ellipse((28, 28, 228, 228), outline=(255, 255, 255, 255), width=6)
    draw.line([(80, 132), (115, 168), (180, 92)], fill=(255, 255, 255, 255), width=16, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def bake_png(json_text: str, png: bytes | None = None) -> bytes:
    """*png* (default :func:`badge_png`) with the credential in an ``iTXt`` chunk before ``IEND``."""
    png = png or badge_png()
    # keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated keyword, NUL, text
    chunk = _chunk(b"iTXt", KEYWORD + b"\x00\x00\x00\x00\x00" + json_text.encode("utf-8"))
    for at, kind, _data in _chunks(png):
        if kind == b"IEND":
            return png[:at] + chunk + png[at:]
    raise BakingError("PNG without IEND")


def unbake_png(png: bytes) -> str:
    for _at, kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\x00"):
            rest = data[len(KEYWORD) + 1 :]
            compressed, text = rest[0], rest[2:].split(b"\x00", 2)[-1]
            return (zlib.decompress(text) if compressed else text).decode("utf-8")
    raise BakingError("no credential in this PNG")


def bake_svg(json_text: str, title: str) -> str:
    """A badge image in SVG with the credential inside (``]]>`` in the JSON is split across sections)."""
    cdata = json_text.replace("]]>", "]]]]><![CDATA[>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{SVG_NS}" '
        'width="256" height="256" viewBox="0 0 256 256" role="img">\n'
        f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>\n"
        f"<title>{escape(title)}</title>\n"
        '<circle cx="128" cy="128" r="120" fill="#175ca0"/>\n'
        '<circle cx="128" cy="128" r="100" fill="none" stroke="#fff" stroke-width="6"/>\n'
        '<path d="M80 132 L115 168 L180 92" fill="none" stroke="#fff" stroke-width="16" '
        'stroke-linecap="round" stroke-linejoin="round"/>\n'
        "</svg>\n"
    )


_SVG_CREDENTIAL = re.compile(
    rb"<openbadges:credential[^>]*>\s*((?:<!\[CDATA\[.*?\]\]>\s*)+)</openbadges:credential>", re.S
)


def unbake_svg(svg: bytes) -> str:
    found = _SVG_CREDENTIAL.search(svg)
    if not found:
        raise BakingError("no credential in this SVG")
    parts = re.findall(rb"<!\[CDATA\[(.*?)\]\]>", found.group(1), re.S)
    return b"".join(parts).decode("utf-8")


def extract(data: bytes) -> str:
    """The credential JSON of an upload: a baked PNG or SVG, or the JSON itself."""
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data)
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return unbake_svg(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("not text") from exc
