"""Caption files: read WebVTT and SRT, check them, write WebVTT.

Pure: neither Flask nor the database.  The WebVTT reading follows the W3C parser
(https://w3c.github.io/webvtt/#file-parsing): the signature, the header, blocks split at
blank lines, a line holding ``-->`` that starts a cue, timestamps collected digit by digit.
Where a browser would silently drop text (a bad timing line, a block without one) this
module reports it instead, with the line number, so the person can fix the file.  On
top of the format it checks what makes captions usable: cues inside the video, start
before end, no overlapping cues unless positioned, a cap on cues and line length, and
no markup but WebVTT's own tags (cue text is always escaped where Gongbang shows it; the
check is there so a file that would show ``<script>`` to viewers is refused with a
reason rather than played).

Everything is bounded: at most :attr:`Limits.max_bytes` are read, whatever the file
claims, and at most :data:`MAX_PROBLEMS` problems are listed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

__all__ = [
    "CaptionFile",
    "Cue",
    "Limits",
    "Problem",
    "format_timestamp",
    "load",
    "parse_srt",
    "parse_vtt",
    "plain_text",
    "read_bounded",
    "to_vtt",
]

#: Problems listed per file at most: a file of a million broken cues gets twenty reasons and a count.
MAX_PROBLEMS = 20
#: A cue may end this long after the video (players round durations; a last cue often ends on a whole second).
END_TOLERANCE = 1.0
#: WebVTT's own cue tags (https://w3c.github.io/webvtt/#webvtt-cue-components); nothing else is accepted.
CUE_TAGS = frozenset({"c", "i", "b", "u", "v", "lang", "ruby", "rt"})
#: Cue settings that place a cue; two placed cues may show at once without covering each other.
POSITIONING = ("line:", "position:", "region:")

_DIGITS = re.compile(r"\d+")
#: Possessive parts (``*+``) and no ``<`` inside a tag: a line of a million ``<`` is read in one pass, not in
#: the cubic time a backtracking tag pattern takes (found by the hostile tests: 2,000 ``<`` took 80 s).
_TAG = re.compile(r"<(/?)([^\s.>/<]*+)([^<>]*+)>")
_INNER_TIMESTAMP = re.compile(r"^(\d+:)?\d{2}:\d{2}\.\d{3}$")
_SRT_TIMING = re.compile(
    r"^\s*(\d+):(\d{2}):(\d{2})[,.](\d+)\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d+)(?:\s+(.*))?\s*$"
)
_SRT_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*+)\b[^<>]*+>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*+\}")


@dataclass(frozen=True)
class Limits:
    """What one caption file may hold."""

    max_bytes: int = 1_000_000
    max_cues: int = 5_000
    #: Characters per line of cue text (after tags are removed); readable captions keep to about 42.
    max_line_chars: int = 120
    #: The video's length in seconds; cues must end within it.  None: not checked.
    duration: float | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a caption file is refused (or, in ``warnings``, changed): a code and its values."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass
class Cue:
    start: float
    end: float
    text: str
    identifier: str = ""
    settings: str = ""
    #: Where the cue's timing line is in the file (1-based), for the messages.
    line: int = 0

    @property
    def positioned(self) -> bool:
        return any(part.startswith(POSITIONING) for part in self.settings.split())


@dataclass
class CaptionFile:
    """What :func:`load` read: the cues, why the file is refused (``problems``) and what was changed
    (``warnings``: a converted encoding or format)."""

    cues: list[Cue] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    source_format: str = "vtt"
    #: Problems found past :data:`MAX_PROBLEMS` (not listed).
    more_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more_problems

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def add(self, code: str, **params: Any) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, params))
        else:
            self.more_problems += 1


def read_bounded(stream: BinaryIO, max_bytes: int) -> bytes | None:
    """At most *max_bytes* of *stream*; None when it holds more (only ``max_bytes + 1`` are read)."""
    data = stream.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def load(stream: BinaryIO, filename: str = "", limits: Limits | None = None) -> CaptionFile:
    """Read a caption file (WebVTT, or SRT converted to WebVTT) from *stream* and check it.

    The format is WebVTT when the text starts with the signature, SRT when the name ends in ``.srt``
    or the text starts with a cue number; anything else is refused as a bad signature.
    """
    limits = limits or Limits()
    data = read_bounded(stream, limits.max_bytes)
    if data is None:
        result = CaptionFile()
        result.add("caption_too_large", limit=limits.max_bytes)
        return result
    text, result = decode(data)
    if text is None:
        return result
    srt = filename.lower().endswith(".srt") or (
        not text.startswith("WEBVTT") and re.match(r"\s*\d+\s*\n", text) is not None
    )
    parsed = parse_srt(text, limits) if srt else parse_vtt(text, limits)
    parsed.warnings[:0] = result.warnings
    if srt:
        parsed.source_format = "srt"
        parsed.warnings.append(Problem("caption_converted_srt"))
    return parsed


def decode(data: bytes) -> tuple[str | None, CaptionFile]:
    """The text of *data* with line breaks made LF and the BOM removed; UTF-8 only, except Korean
    CP949/EUC-KR (what older Windows subtitle tools write), which is converted with a warning."""
    result = CaptionFile()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        result.add("caption_encoding", measured="UTF-16")
        return None, result
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        result.add("caption_encoding", measured="binary")
        return None, result
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp949")
        except UnicodeDecodeError:
            result.add("caption_encoding", measured="unknown")
            return None, result
        result.warnings.append(Problem("caption_converted_encoding", {"measured": "CP949"}))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, result


def _looks_utf16(data: bytes) -> bool:
    # Without a BOM: ASCII text in UTF-16 has a NUL in every other byte.
    head = data[:64]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)


def parse_vtt(text: str, limits: Limits | None = None) -> CaptionFile:
    """Cues of the WebVTT *text* (already decoded) and the problems found."""
    limits = limits or Limits()
    result = CaptionFile()
    if not text.startswith("WEBVTT") or (len(text) > 6 and text[6] not in " \t\n"):
        result.add("caption_signature")
        return result
    lines = text.split("\n")
    position = 1
    # The header: lines up to the first blank one, but a line with an arrow is already a cue.
    while position < len(lines) and lines[position] != "" and "-->" not in lines[position]:
        position += 1
    seen_cue = False
    while position < len(lines):
        if lines[position] == "":
            position += 1
            continue
        position, cue, block = _collect_block(lines, position, result)
        if cue is not None:
            seen_cue = True
            _add_cue(result, cue, limits)
        elif block and not _is_comment_or_style(block, seen_cue):
            result.add("caption_no_timing", line=block[0][0])
        if result.more_problems:
            break
    _check_all(result, limits)
    return result


def _collect_block(
    lines: list[str], start: int, result: CaptionFile
) -> tuple[int, Cue | None, list[tuple[int, str]]]:
    """One block from *start*, as the spec's "collect a WebVTT block" (not in the header)."""
    position = start
    cue: Cue | None = None
    seen_arrow = False
    identifier = ""
    buffer: list[str] = []
    block: list[tuple[int, str]] = []
    count = 0
    while position < len(lines):
        line = lines[position]
        if line == "":
            break
        count += 1
        if "-->" in line:
            if count == 1 or (count == 2 and not seen_arrow):
                seen_arrow = True
                identifier = buffer[0] if buffer else ""
                buffer = []
                timing = parse_timing(line)
                if timing is None:
                    result.add("caption_timing", line=position + 1, text=line[:60])
                    cue = None
                else:
                    cue = Cue(timing[0], timing[1], "", identifier, timing[2], position + 1)
            else:
                # An arrow in the cue text starts the next block, as in the spec.
                break
        else:
            buffer.append(line)
            block.append((position + 1, line))
        position += 1
    if cue is not None:
        cue.text = "\n".join(buffer)
        return position, cue, block
    if seen_arrow:
        return position, None, []  # already reported as a bad timing line
    return position, None, block


def _is_comment_or_style(block: list[tuple[int, str]], seen_cue: bool) -> bool:
    first = block[0][1]
    if re.match(r"NOTE($|[ \t])", first):
        return True
    # Style sheets and regions may come only before the first cue (and are ignored by Gongbang).
    return not seen_cue and re.match(r"(STYLE|REGION)[ \t]*$", first) is not None


def parse_timing(line: str) -> tuple[float, float, str] | None:
    """``(start, end, settings)`` of a cue timing line, or None when it is not one (the spec's
    "collect WebVTT cue timings and settings")."""
    start, position = _timestamp(line, _skip_space(line, 0))
    if start is None:
        return None
    position = _skip_space(line, position)
    if line[position : position + 3] != "-->":
        return None
    end, position = _timestamp(line, _skip_space(line, position + 3))
    if end is None:
        return None
    if position < len(line) and line[position] not in " \t":
        return None  # "00:01.000x": not a timestamp followed by settings
    return start, end, " ".join(line[position:].split())


def _skip_space(line: str, position: int) -> int:
    while position < len(line) and line[position] in " \t\f":
        position += 1
    return position


def _timestamp(line: str, position: int) -> tuple[float | None, int]:
    """The spec's "collect a WebVTT timestamp": seconds and where it ended, or ``(None, position)``."""
    first = _DIGITS.match(line, position)
    if first is None:
        return None, position
    hours_first = len(first.group()) != 2 or int(first.group()) > 59
    position = first.end()
    if line[position : position + 1] != ":":
        return None, position
    second = _DIGITS.match(line, position + 1)
    if second is None or len(second.group()) != 2:
        return None, position
    position = second.end()
    third = None
    if hours_first or line[position : position + 1] == ":":
        if line[position : position + 1] != ":":
            return None, position
        third = _DIGITS.match(line, position + 1)
        if third is None or len(third.group()) != 2:
            return None, position
        position = third.end()
    if line[position : position + 1] != ".":
        return None, position
    millis = _DIGITS.match(line, position + 1)
    if millis is None or len(millis.group()) != 3:
        return None, position
    if third is not None:
        hours, minutes, seconds = int(first.group()), int(second.group()), int(third.group())
    else:
        hours, minutes, seconds = 0, int(first.group()), int(second.group())
    if minutes > 59 or seconds > 59:
        return None, position
    return hours * 3600 + minutes * 60 + seconds + int(millis.group()) / 1000, millis.end()


def parse_srt(text: str, limits: Limits | None = None) -> CaptionFile:
    """Cues of SubRip *text* (already decoded), turned into WebVTT cue text: ``<b>``, ``<i>``, ``<u>``
    kept, ``<font>`` and ASS overrides dropped (``{\\an8}`` puts the cue at the top), comma decimals read."""
    limits = limits or Limits()
    result = CaptionFile(source_format="srt")
    lines = text.split("\n")
    position = 0
    while position < len(lines) and not result.more_problems:
        if not lines[position].strip():
            position += 1
            continue
        block_start = position
        while position < len(lines) and lines[position].strip():
            position += 1
        block = lines[block_start:position]
        start_line = block_start + 1
        if block[0].strip().isdigit():
            block, start_line = block[1:], start_line + 1
        if not block:
            continue
        match = _SRT_TIMING.match(block[0])
        if match is None:
            code = "caption_timing" if "-->" in block[0] else "caption_no_timing"
            result.add(code, line=start_line, text=block[0][:60])
        elif (cue := _srt_cue(match, block[1:], start_line, result)) is not None:
            _add_cue(result, cue, limits)
    _check_all(result, limits)
    return result


def _srt_cue(match: re.Match, body: list[str], line: int, result: CaptionFile) -> Cue | None:
    parts = match.groups()
    if len(parts[3]) != 3 or len(parts[7]) != 3 or any(int(parts[i]) > 59 for i in (1, 2, 5, 6)):
        result.add("caption_timing", line=line, text=match.group(0)[:60])
        return None
    start = int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2]) + int(parts[3]) / 1000
    end = int(parts[4]) * 3600 + int(parts[5]) * 60 + int(parts[6]) + int(parts[7]) / 1000
    settings = ""
    text_lines = []
    refused: list[str] = []
    for raw in body:
        if "-->" in raw:
            result.add("caption_arrow_in_text", line=line)
            return None
        if re.search(r"\{\\an[789]\}", raw):
            settings = "line:0"
        text_lines.append(_srt_markup(_ASS_OVERRIDE.sub("", raw), refused))
    if refused:
        result.add("caption_markup", line=line, tag=refused[0][:20])
    return Cue(start, end, "\n".join(text_lines), "", settings, line)


def _srt_markup(raw: str, refused: list[str]) -> str:
    """SRT cue text as WebVTT cue text; the names of tags WebVTT has no place for go to *refused*."""

    def tag(found: re.Match) -> str:
        name = found.group(1).lower()
        if name in ("b", "i", "u"):
            return f"</{name}>" if found.group(0).startswith("</") else f"<{name}>"
        if name != "font":  # colours are dropped; anything else (HTML, scripts) is refused
            refused.append(name)
        return ""

    # A "<" that opens no tag is text in SRT; in WebVTT it must be written &lt;.
    return re.sub(r"<(?!/?[biu]>)", "&lt;", _SRT_TAG.sub(tag, raw))


def _add_cue(result: CaptionFile, cue: Cue, limits: Limits) -> None:
    if len(result.cues) >= limits.max_cues:
        result.add("caption_too_many_cues", limit=limits.max_cues)
        result.more_problems += 1  # stop reading: the rest of the file is not looked at
        return
    if cue.end <= cue.start:
        result.add("caption_end_before_start", line=cue.line, start=cue.start, end=cue.end)
    if limits.duration is not None and cue.end > limits.duration + END_TOLERANCE:
        result.add("caption_past_end", line=cue.line, measured=cue.end, limit=limits.duration)
    _check_markup(result, cue)
    for text_line in plain_text(cue.text).split("\n"):
        if len(text_line) > limits.max_line_chars:
            result.add(
                "caption_line_too_long", line=cue.line, measured=len(text_line), limit=limits.max_line_chars
            )
            break
    result.cues.append(cue)


def _check_markup(result: CaptionFile, cue: Cue) -> None:
    text = cue.text
    if text.count("<") != len(_TAG.findall(text)):
        result.add("caption_markup", line=cue.line, tag="<")
        return
    for found in _TAG.finditer(text):
        name = found.group(2)
        if found.group(1) == "" and _INNER_TIMESTAMP.match(name + found.group(3)):
            continue
        if name not in CUE_TAGS:
            result.add("caption_markup", line=cue.line, tag=name[:20] or "<")
            return


def _check_all(result: CaptionFile, limits: Limits) -> None:
    """Checks across cues: the file has some, and no two unplaced cues show at once."""
    if not result.cues and not result.problems:
        result.add("caption_empty")
        return
    ordered = sorted(result.cues, key=lambda c: (c.start, c.end))
    previous: Cue | None = None
    for cue in ordered:
        if previous is not None and cue.start < previous.end and not (cue.positioned or previous.positioned):
            result.add("caption_overlap", line=cue.line, other=previous.line)
        if previous is None or cue.end > previous.end:
            previous = cue


def format_timestamp(seconds: float) -> str:
    """``hh:mm:ss.ttt`` (always with hours, as every player reads)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_vtt(cues: Iterable[Cue]) -> str:
    """A WebVTT file of *cues* (their text is already WebVTT cue text), sorted by start time."""
    out = ["WEBVTT", ""]
    for cue in sorted(cues, key=lambda c: (c.start, c.end)):
        if cue.identifier:
            out.append(cue.identifier)
        settings = f" {cue.settings}" if cue.settings else ""
        out.append(f"{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}{settings}")
        out.extend(line for line in cue.text.split("\n") if line.strip())
        out.append("")
    return "\n".join(out)


def plain_text(cue_text: str) -> str:
    """Cue text without tags, character references decoded: for the transcript and line lengths
    (escape it again wherever it is shown)."""
    return html.unescape(_TAG.sub("", cue_text))


#: Text subtitle codecs whose packets hold the cue text (picture subtitles, DVD and Blu-ray, cannot be read).
TEXT_CODECS = frozenset({"subrip", "srt", "webvtt", "mov_text", "ass", "ssa", "text"})


def cue_text_from_packet(codec: str, payload: bytes) -> str:
    """WebVTT cue text of one subtitle packet of a *codec* in :data:`TEXT_CODECS` (as a container stores
    it: SubRip and WebVTT as text, MP4's ``tx3g`` with a 2-byte length, ASS as a dialogue line's fields)."""
    if codec == "mov_text":
        length = int.from_bytes(payload[:2], "big")
        payload = payload[2 : 2 + length]
    text = payload.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\x00", "")
    if codec in ("ass", "ssa"):
        # ReadOrder, Layer, Style, Name, MarginL, MarginR, MarginV, Effect, Text
        text = _ASS_OVERRIDE.sub("", text.split(",", 8)[-1]).replace("\\N", "\n").replace("\\n", "\n")
    if codec == "webvtt":
        return text.strip("\n")
    if codec in ("subrip", "srt"):
        return "\n".join(_srt_markup(line, []) for line in text.strip("\n").split("\n"))
    return html.escape(text.strip("\n"), quote=False)
