"""Caption problems as sentences people can act on, in the reader's language.

The codes and values come from :mod:`media.captions`; every sentence is a literal ``gettext`` call with named
placeholders, formatted here with ``%`` (as :mod:`media.messages` does, so both Flask-Babel's ``gettext`` and
a catalogue's work).  Sentences are short, with simple words: many readers are learning Korean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from media.messages import format_bytes

__all__ = ["describe"]

Gettext = Callable[[str], str]


def describe(problem: Any, gettext: Gettext | None = None) -> str:
    """One sentence for a caption *problem* (a :class:`media.captions.Problem` or its dict) in the reader's
    language; *gettext* as in :func:`media.messages.describe`."""
    _ = gettext or (lambda text: text)
    if isinstance(problem, Mapping):
        code, p = str(problem.get("code", "")), problem.get("params") or {}
    else:
        code, p = problem.code, problem.params
    text, values = _sentence(code, p, _)
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        return text


def _sentence(code: str, p: Mapping[str, Any], _: Gettext) -> tuple[str, dict[str, Any]]:  # noqa: C901
    line = {"line": p.get("line", "?")}
    if code == "caption_too_large":
        return _("The caption file is too large. The limit is %(limit)s."), {
            "limit": format_bytes(p.get("limit"))
        }
    if code == "caption_encoding":
        if p.get("measured") == "UTF-16":
            return _("The caption file is saved as UTF-16. Save it as UTF-8 and upload it again."), {}
        return _("The caption file is not text in UTF-8. Save it as UTF-8 and upload it again."), {}
    if code == "caption_converted_encoding":
        return _("The file was not in UTF-8. It was changed from %(measured)s. Check the text."), {
            "measured": p.get("measured")
        }
    if code == "caption_converted_srt":
        return _("The SRT file was changed to WebVTT."), {}
    if code == "caption_signature":
        return _("A WebVTT file must start with the word WEBVTT on the first line."), {}
    if code == "caption_timing":
        return _("Line %(line)s: the time is not written correctly. Use 00:01:02.500 --> 00:01:05.000."), line
    if code == "caption_no_timing":
        return _("Line %(line)s: this text has no time line, so it would never be shown."), line
    if code == "caption_end_before_start":
        return _("Line %(line)s: the caption ends before it starts."), line
    if code == "caption_past_end":
        return _("Line %(line)s: the caption ends at %(measured)s s, after the video ends (%(limit)s s)."), {
            **line,
            "measured": round(float(p.get("measured") or 0), 1),
            "limit": round(float(p.get("limit") or 0), 1),
        }
    if code == "caption_overlap":
        return _("Line %(line)s: this caption overlaps the caption on line %(other)s."), {
            **line,
            "other": p.get("other", "?"),
        }
    if code == "caption_markup":
        return _(
            "Line %(line)s: the tag <%(tag)s> is not allowed. Use only WebVTT tags such as <i> and <b>."
        ), {
            **line,
            "tag": p.get("tag", ""),
        }
    if code == "caption_arrow_in_text":
        return _("Line %(line)s: the caption text contains -->."), line
    if code == "caption_line_too_long":
        return _("Line %(line)s: a caption line has %(measured)s characters. The limit is %(limit)s."), {
            **line,
            "measured": p.get("measured"),
            "limit": p.get("limit"),
        }
    if code == "caption_too_many_cues":
        return _("The file has too many captions. The limit is %(limit)s."), {"limit": p.get("limit")}
    if code == "caption_empty":
        return _("The caption file has no captions."), {}
    if code == "caption_no_text_stream":
        return _("The video has no text subtitles that can be taken out."), {}
    return _("The caption file was not accepted (%(code)s)."), {"code": code}
