"""Header readers never raise on arbitrary bytes (they read hostile uploads first)."""

from __future__ import annotations

import os
import tempfile

from hypothesis import given, settings
from hypothesis import strategies as st

from media.containers import matroska_rotation, mp4_layout
from media.sniff import KINDS, sniff_bytes

#: Starts of real formats, so the walkers get past their first check.
PREFIXES = st.sampled_from(
    [
        b"",
        b"\x00\x00\x00\x18ftyp",
        b"\x1a\x45\xdf\xa3",
        b"RIFF",
        b"#EXTM3U",
        b"\xff\xd8\xff",
        b"\x00\x00\x00\x01mdat",
        b"\x00\x00\x00\x08moov\x00\x00\x00\x00trak",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(PREFIXES, st.binary(max_size=600))
def test_sniff_always_answers(prefix, tail):
    sniffed = sniff_bytes(prefix + tail)
    assert sniffed.kind in KINDS and sniffed.format


@settings(max_examples=150, deadline=None, database=None)
@given(PREFIXES, st.binary(max_size=400))
def test_box_and_ebml_walkers_always_answer(prefix, tail):
    fd, name = tempfile.mkstemp()
    try:
        os.write(fd, prefix + tail)
        os.close(fd)
        layout = mp4_layout(name)
        assert all(angle in (0, 90, 180, 270) for angle in layout.rotations.values())
        assert matroska_rotation(name) in (0, 90, 180, 270)
    finally:
        os.unlink(name)
