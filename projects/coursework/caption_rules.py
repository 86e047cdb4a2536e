"""Which caption tracks a video deliverable asks for, and which of them a film still lacks (pure).

A deliverable's ``captions`` holds ``{"required": [...], "optional": [...]}``: language tags (``ko``,
``en``, ``zh-Hans``).  A required language blocks the hand-in until the film has a track in it; an optional
one is only named in the brief.  A track in ``ko-KR`` answers a brief asking for ``ko``, not the other way
round.  A machine-made track still waiting for a person's review does not count: the brief asks for captions a
person stands behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: The same shape as the caption tracks' tags (:data:`media.caption_services.LANGUAGE_TAG`), lower-cased
#: script and region accepted here because instructors type them.
_TAG = re.compile(r"^[a-z]{2,3}(-[a-z]{4})?(-(?:[a-z]{2}|\d{3}))?$")
#: More languages than any brief needs; keeps the stored rule and the checklist short.
MAX_LANGUAGES = 12


def _canonical(tag: str) -> str:
    parts = tag.split("-")
    out = [parts[0]]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


def parse_languages(text: str | Iterable[str] | None) -> list[str]:
    """Language tags from ``"ko, en"`` (or a list), in order, without repeats.

    :raises ValueError: a tag is not a language tag, or there are more than :data:`MAX_LANGUAGES`.
    """
    if text is None:
        return []
    items = re.split(r"[,\s]+", text) if isinstance(text, str) else list(text)
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("language tags must be text")
        tag = item.strip().replace("_", "-").lower()
        if not tag:
            continue
        if not _TAG.match(tag):
            raise ValueError(f"not a language tag: {item[:40]!r}")
        tag = _canonical(tag)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_LANGUAGES:
        raise ValueError(f"at most {MAX_LANGUAGES} languages")
    return tags


def normalise(data: Any) -> dict[str, list[str]]:
    """The stored form of a caption rule: ``{}`` when it asks for nothing; optional languages that are also
    required are dropped.

    :raises ValueError: not a mapping with ``required``/``optional`` lists of language tags.
    """
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - {"required", "optional"}:
        raise ValueError("captions must have only 'required' and 'optional'")
    required = parse_languages(data.get("required"))
    optional = [t for t in parse_languages(data.get("optional")) if t not in required]
    rule = {"required": required, "optional": optional}
    return {k: v for k, v in rule.items() if v}


def _covers(track_language: str, wanted: str) -> bool:
    track, wanted = track_language.lower(), wanted.lower()
    return track == wanted or track.startswith(wanted + "-")


def missing(rule: dict | None, tracks: Iterable[tuple[str, bool]]) -> list[str]:
    """The required languages that no track answers; *tracks* are ``(language, needs_review)`` pairs."""
    have = [language for language, needs_review in tracks if not needs_review]
    return [tag for tag in (rule or {}).get("required", []) if not any(_covers(h, tag) for h in have)]
