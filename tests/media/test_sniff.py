"""Content sniffing decides from bytes, never from names."""

from __future__ import annotations

import pytest

from media.sniff import sniff, sniff_bytes

FTYP = b"\x00\x00\x00\x18ftyp"


@pytest.mark.parametrize(
    ("head", "kind", "fmt"),
    [
        (FTYP + b"isom\x00\x00\x02\x00", "video", "mp4"),
        (FTYP + b"qt  \x00\x00\x02\x00", "video", "mov"),
        (FTYP + b"3gp4\x00\x00\x02\x00", "video", "3gp"),
        (FTYP + b"M4A \x00\x00\x02\x00", "audio", "m4a"),
        (FTYP + b"heic\x00\x00\x00\x00", "image", "heif"),
        (FTYP + b"avif\x00\x00\x00\x00", "image", "avif"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "video", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video", "webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video", "matroska"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video", "avi"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio", "wav"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image", "webp"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image", "png"),
        (b"GIF89a\x01\x00\x01\x00", "image", "gif"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio", "mp3"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio", "mp3"),
        (b"OggS\x00\x02", "audio", "ogg"),
        (b"fLaC\x00\x00\x00\x22", "audio", "flac"),
        ((b"\x47" + b"\x00" * 187) * 3, "video", "mpegts"),
        (b"%PDF-1.7\n", "document", "pdf"),
        (b"PK\x03\x04\x14\x00", "document", "zip"),
        ("시나리오 초고\n장면 1. 공방 안\n".encode(), "document", "text"),
    ],
)
def test_known_signatures(head, kind, fmt):
    sniffed = sniff_bytes(head)
    assert (sniffed.kind, sniffed.format, sniffed.unsafe) == (kind, fmt, False)


@pytest.mark.parametrize(
    ("head", "label"),
    [
        (b"#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1/a.ts\n", "hls"),
        (b"\xef\xbb\xbf  #EXTM3U\nfile:///etc/passwd\n", "hls"),
        (b"# comment first\n#EXT-X-VERSION:3\nx.ts\n", "hls"),
        (b"ffconcat version 1.0\nfile '/etc/passwd'\n", "ffconcat"),
        (b";FFMETADATA1\ntitle=x\n", "ffmetadata"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "xml"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "svg"),
        (b"<!-- drawn by hand -->\n<svg><script/></svg>", "svg"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "html"),
        (b"<MPD xmlns='urn:mpeg:dash:schema:mpd:2011'>", "dash"),
        (b"v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nm=video 5004 RTP/AVP 96\n", "sdp"),
        (b"http://127.0.0.1:8080/stream.mp4\n", "playlist"),
        (b"# my list\nfile 'a.mp4'\nfile 'b.mp4'\n", "playlist"),
        (b"concat:/etc/passwd|/etc/hosts\n", "playlist"),
        (b"[playlist]\nFile1=http://x/\n", "pls"),
        ("#EXTM3U\n".encode("utf-16"), "hls"),
    ],
)
def test_hostile_text_is_unsafe(head, label):
    sniffed = sniff_bytes(head)
    assert sniffed.unsafe
    assert sniffed.format == label


def test_empty_and_unknown():
    assert sniff_bytes(b"").empty
    assert sniff_bytes(b"\x00\x13\x99\x10\xfe" * 100).kind == "unknown"


def test_extension_is_ignored(media):
    assert sniff(media["drawing.png"]).format == "svg"
    assert sniff(media["hls_file.mp4"]).unsafe
    assert sniff(media["h264.mkv"]).format == "matroska"
    assert sniff(media["photo.jpg"]).format == "jpeg"
    assert sniff(media["empty.mp4"]).empty
