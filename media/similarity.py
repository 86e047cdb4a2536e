"""Perceptual hashes for spotting the same picture or video handed in twice.

A 64-bit DCT hash (``imagehash.phash``) survives re-encoding, resizing and
small colour changes; the Hamming distance between two hashes says how alike
the pictures are.  Videos are hashed from the exact frame in the middle: not
from the poster, whose choice depends on where the encoder put keyframes, and
so changes when a copy is re-encoded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TypeVar

import imagehash
from PIL import Image

from media.errors import MediaError
from media.frames import FrameReader, to_upright_image
from media.probe import MediaInfo

__all__ = ["SIMILAR_DISTANCE", "distance", "image_hash", "similar", "video_hash"]

#: At most this many of the 64 bits differ between near-duplicates.  Measured
#: here on a 6 s clip: copies re-encoded at CRF 35 and half size, as VP9, or
#: brightened differ in 2 bits; unrelated clips (Mandelbrot, SMPTE bars) in 22 and 34.
SIMILAR_DISTANCE = 10

T = TypeVar("T")


def image_hash(image: Image.Image) -> str:
    """The 64-bit perceptual hash of *image* as 16 hex digits."""
    return str(imagehash.phash(image.convert("RGB")))


def video_hash(path: str | os.PathLike[str], info: MediaInfo) -> str:
    """The perceptual hash of the frame shown halfway through the video."""
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
