"""Perceptual hashes for spotting the same picture or video handed in twice.

A 64-bit DCT hash (``imagehash.phash``) survives re-encoding, resizing and
small colour changes; the Hamming distance between two hashes says how alike
the pictures are.  Videos are hashed from the exact frame in the middle: not
from the poster, whose choice depends on where the encoder put keyframes, and
so changes when a copy is re-encoded.

Finding near-duplicates among a million hashes uses multi-index hashing: a hash is also stored as
:data:`PARTS` parts of 22, 21 and 21 bits, each in an indexed column.  Two hashes within *d* bits of each
other have at least one part within ``d // PARTS`` bits (if every part differed in more, the whole would
differ in at least ``PARTS * (d // PARTS + 1) > d`` bits), so looking up, per part, the values within that
radius (1,794 for 22 bits and radius 3) finds every candidate; the exact distance then keeps the true ones.
Parts about log2(number of hashes) bits long read the fewest rows: at a million hashes, 3 parts read about
1,900 candidates, 4 parts of 16 bits (137 values each within 2 bits) about 8,300 and took 1.5 to 2 times
longer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from itertools import combinations
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the heavy imports (imagehash pulls in SciPy, frames PyAV) wait for the first hash
    from PIL import Image

    from media.probe import MediaInfo

__all__ = [
    "PARTS",
    "PART_BITS",
    "SIMILAR_DISTANCE",
    "distance",
    "image_hash",
    "part_radius",
    "parts",
    "probes",
    "similar",
    "video_hash",
    "within",
]

#: At most this many of the 64 bits differ between near-duplicates.  Measured
#: here on a 6 s clip: copies re-encoded at CRF 35 and half size, as VP9, or
#: brightened differ in 2 bits; unrelated clips (Mandelbrot, SMPTE bars) in 22 and 34.
SIMILAR_DISTANCE = 10

#: How wide the parts a hash is indexed as are, most significant first (columns ``phash_p0``..``phash_p2``).
PART_BITS = (22, 21, 21)
PARTS = len(PART_BITS)

T = TypeVar("T")


def image_hash(image: Image.Image) -> str:
    """The 64-bit perceptual hash of *image* as 16 hex digits."""
    import imagehash

    return str(imagehash.phash(image.convert("RGB")))


def video_hash(path: str | os.PathLike[str], info: MediaInfo) -> str:
    """The perceptual hash of the frame shown halfway through the video."""
    from media.errors import MediaError
    from media.frames import FrameReader, to_upright_image

    with FrameReader(path, info) as reader:
        frame = reader.frame_at((info.duration or 0.0) / 2)
        if frame is None:
            raise MediaError("corrupt", "no frame could be decoded")
        return image_hash(to_upright_image(frame, 256, reader.sample_aspect_ratio))


def distance(a: str, b: str) -> int:
    """How many of the 64 bits differ between two hashes."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def similar(
    target: str, candidates: Iterable[tuple[T, str]], max_distance: int = SIMILAR_DISTANCE
) -> list[tuple[T, int]]:
    """The candidates (item, hash) within *max_distance* of *target*, closest first."""
    found = [(item, distance(target, h)) for item, h in candidates if h]
    return sorted([(item, d) for item, d in found if d <= max_distance], key=lambda pair: pair[1])


def parts(phash: str) -> tuple[int, ...]:
    """The parts of a hash (:data:`PART_BITS` wide) as unsigned integers, most significant first."""
    value, found, shift = int(phash, 16), [], 64
    for bits in PART_BITS:
        shift -= bits
        found.append((value >> shift) & ((1 << bits) - 1))
    return tuple(found)


def part_radius(max_distance: int = SIMILAR_DISTANCE) -> int:
    """How many bits one part of a hash within *max_distance* must at least match within (pigeonhole)."""
    if not 0 <= max_distance < PARTS * min(PART_BITS):
        raise ValueError(f"max_distance must be in [0, {PARTS * min(PART_BITS)}), not {max_distance}")
    return max_distance // PARTS


@cache
def _masks(bits: int, radius: int) -> tuple[int, ...]:
    """Every *bits*-bit mask with at most *radius* bits set, fewest first."""
    return tuple(
        sum(1 << b for b in chosen) for r in range(radius + 1) for chosen in combinations(range(bits), r)
    )


def within(value: int, radius: int, bits: int) -> list[int]:
    """Every *bits*-bit value that differs from *value* in at most *radius* bits (*value* first)."""
    return [value ^ mask for mask in _masks(bits, radius)]


def probes(phash: str, max_distance: int = SIMILAR_DISTANCE) -> list[list[int]]:
    """Per part, the values a hash within *max_distance* of *phash* may hold in at least one part.

    Every such hash has some part ``i`` whose value is in ``probes(phash)[i]``; the converse does not hold,
    so the exact :func:`distance` of each candidate decides.
    """
    radius = part_radius(max_distance)
    return [within(value, radius, bits) for value, bits in zip(parts(phash), PART_BITS, strict=True)]
