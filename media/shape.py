"""The shape of a picture as people see it: its aspect ratio and orientation.

A brief writes aspect ratios as ``"16:9"`` or ``"2.39:1"``; :func:`parse_ratio` reads one and
:func:`ratio_text` writes it back in one spelling.  A measured picture is compared with a tolerance
(:data:`ASPECT_TOLERANCE`), because 854×480 is 16:9 to everyone though not to the pixel, and named by
:func:`ratio_name` with the ratio people know ("4:3") rather than a reduced fraction ("427:240").
"""

from __future__ import annotations

import math
import re

__all__ = [
    "ASPECT_TOLERANCE",
    "ORIENTATIONS",
    "RATIO_PATTERN",
    "display_ratio",
    "matches",
    "orientation",
    "parse_ratio",
    "ratio_name",
    "ratio_text",
]

#: How far (relative) a measured ratio may be from the brief's and still count as it: 2 % takes 854×480
#: and 1366×768 as 16:9 and keeps 16:10 (1.6) apart from 16:9 (1.78) and 5:4 (1.25) apart from 4:3.
ASPECT_TOLERANCE = 0.02

ORIENTATIONS = ("landscape", "portrait", "square")

#: The ratios people call by name, for naming a measured picture.
_KNOWN = (
    "16:9",
    "9:16",
    "4:3",
    "3:4",
    "1:1",
    "3:2",
    "2:3",
    "4:5",
    "5:4",
    "16:10",
    "10:16",
    "21:9",
    "1.85:1",
    "2.39:1",
)
#: A ratio as a brief may write it (the API document states it, so a client learns the form).
RATIO_PATTERN = r"^\s*(\d{1,5}(?:\.\d{1,3})?)\s*[:xX×/]\s*(\d{1,5}(?:\.\d{1,3})?)\s*$"
_RATIO = re.compile(RATIO_PATTERN)


def parse_ratio(text: str) -> float:
    """Width over height of a ratio written ``W:H`` (``16:9``, ``2.39:1``; ``x`` and ``/`` also read);
    ValueError for anything else or a zero side."""
    found = _RATIO.match(text)
    if not found:
        raise ValueError(f"aspect ratio {text!r} is not written as width:height")
    width, height = float(found.group(1)), float(found.group(2))
    if width <= 0 or height <= 0:
        raise ValueError(f"aspect ratio {text!r} has a zero side")
    return width / height


def ratio_text(text: str) -> str:
    """*text* in the one spelling stored and shown (``"16 x 9"`` → ``"16:9"``); ValueError as
    :func:`parse_ratio`."""
    parse_ratio(text)
    found = _RATIO.match(text)
    assert found is not None
    return f"{_plain(found.group(1))}:{_plain(found.group(2))}"


def display_ratio(width: int, height: int, sample_aspect: float | None = None, rotation: int = 0) -> float:
    """Width over height of the picture shown for a *width*×*height* display size (already turned by
    *rotation*) whose coded pixels are *sample_aspect* wide (anamorphic video): the stretch lies along the
    coded width, which a quarter turn makes the shown height."""
    ratio = width / height
    if sample_aspect and sample_aspect > 0 and not math.isclose(sample_aspect, 1.0):
        ratio = ratio / sample_aspect if rotation in (90, 270) else ratio * sample_aspect
    return ratio


def matches(measured: float, wanted: float, tolerance: float = ASPECT_TOLERANCE) -> bool:
    """Whether *measured* counts as *wanted* (relative *tolerance*)."""
    return abs(measured - wanted) <= wanted * tolerance


def orientation(ratio: float, tolerance: float = ASPECT_TOLERANCE) -> str:
    """``"square"`` within *tolerance* of 1:1, else ``"landscape"`` (wider) or ``"portrait"``."""
    if matches(ratio, 1.0, tolerance):
        return "square"
    return "landscape" if ratio > 1 else "portrait"


def ratio_name(ratio: float) -> str:
    """The known ratio *ratio* counts as (``"4:3"``), else the ratio to one (``"1.43:1"``, ``"1:1.43"``
    for a tall one)."""
    for known in _KNOWN:
        if matches(ratio, parse_ratio(known)):
            return known
    if ratio >= 1:
        return f"{_plain(f'{ratio:.2f}')}:1"
    return f"1:{_plain(f'{1 / ratio:.2f}')}"


def _plain(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
