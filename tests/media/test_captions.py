"""The caption core: WebVTT read as the W3C parser reads it, SRT converted, and the checks on top.

The WebVTT cases follow web-platform-tests' ``webvtt/parsing/file-parsing`` (signature, BOM, timings:
``timings-too-short``, ``timings-60``, ``arrows``); where a browser drops a cue silently, Gongbang names
the line instead.
"""

from __future__ import annotations

import io

import pytest

from media import captions
from media.caption_messages import describe
from media.captions import Cue, Limits, load, parse_timing, parse_vtt, plain_text, to_vtt

CUE = "00:00:00.000 --> 00:00:01.000\ntext0\n"


def read(data: bytes | str, filename: str = "a.vtt", **limits) -> captions.CaptionFile:
    raw = data.encode() if isinstance(data, str) else data
    return load(io.BytesIO(raw), filename, Limits(**limits))


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTT\n\n" + CUE,
        "\ufeffWEBVTT\n\n" + CUE,  # signature-bom
        "WEBVTT \n\n" + CUE,  # signature-space
        "WEBVTT\tfoo bar\n\n" + CUE,  # signature-tab, then any text
        "WEBVTT - a title\n\n" + CUE,
        "WEBVTT\n" + CUE,  # signature-timings: a header line with an arrow is already a cue
        "WEBVTT\r\n\r\n" + CUE.replace("\n", "\r\n"),  # CRLF
        "WEBVTT\r\r" + CUE.replace("\n", "\r"),  # CR alone
        "WEBVTT\nKind: captions\nLanguage: ko\n\n" + CUE,  # header lines
    ],
)
def test_good_signatures(text):
    result = read(text)
    assert result.ok, result.problems
    assert [(c.start, c.end, c.text) for c in result.cues] == [(0.0, 1.0, "text0")]


def test_utf8_bom_is_removed_before_the_signature():
    result = read(b"\xef\xbb\xbfWEBVTT\n\n" + CUE.encode())
    assert result.ok and result.cues[0].text == "text0"


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTTfoo\n\n" + CUE,  # signature followed by text without a space
        "webvtt\n\n" + CUE,
        " WEBVTT\n\n" + CUE,
        "WEBVT\n\n" + CUE,
        "\ufeff\ufeffWEBVTT\n\n" + CUE,  # two BOMs
        "FOO\nWEBVTT\n\n" + CUE,
        "",
    ],
)
def test_bad_signatures_are_refused(text):
    result = read(text)
    assert not result.ok and result.codes == ["caption_signature"] and result.cues == []


@pytest.mark.parametrize(
    "line, expected",
    [
        ("00:00.000 --> 00:01.000", (0.0, 1.0)),  # mm:ss.ttt
        ("00:00:00.000 --> 00:00:01.000", (0.0, 1.0)),  # hh:mm:ss.ttt
        ("0:00:00.000 --> 00:00:01.000", (0.0, 1.0)),  # one digit of hours (timings-too-short, first cue)
        ("00:00:00.000 --> 0:00:01.000", (0.0, 1.0)),
        ("100:00:00.000 --> 100:00:01.500", (360000.0, 360001.5)),  # more digits of hours
        ("00:00:00.000 --> 60:00:01.000", (0.0, 216001.0)),  # 60 as first field is hours (timings-60)
        ("00:01.000-->00:02.000", (1.0, 2.0)),  # no spaces around the arrow
        ("00:01.000 \t --> \t 00:02.000", (1.0, 2.0)),
    ],
)
def test_timestamp_forms(line, expected):
    timing = parse_timing(line)
    assert timing is not None and timing[:2] == expected


@pytest.mark.parametrize(
    "line",
    [
        # From timings-too-short: every one of these is not a cue.
        "0000:00.000 --> 00:00:01.000",
        "00:0:00.000 --> 00:00:01.000",
        "00:0000.000 --> 00:00:01.000",
        "00:00:0.000 --> 00:00:01.000",
        "00:00:00000 --> 00:00:01.000",
        "00:00:00.00 --> 00:00:01.000",
        "00:00:00.0 --> 00:00:01.000",
        "00:00:00. --> 00:00:01.000",
        "00:00:00 --> 00:00:01.000",
        "00:00 --> 00:00:01.000",
        " --> 00:00:01.000",
        "0:00.000 --> 00:01.000",
        "00:00.000 --> 0:01.000",
        # Extra digits, and values of 60 in minutes or seconds (timings-60).
        "00:00:00.0000 --> 00:00:01.000",
        "00:00:60.000 --> 00:00:01.000",
        "00:60:00.000 --> 00:00:01.000",
        "00:00:00.000 --> 00:00:60.000",
        # Comma decimals are SRT, not WebVTT; garbage and broken arrows.
        "00:00:00,000 --> 00:00:01,000",
        "00:00:00.000 -a --> 00:00:01.000",
        "00:00:00.000 - -> 00:00:01.000",
        "00:00:00.000 --> 00:00:01.000x",
        "garbage --> more garbage",
    ],
)
def test_broken_timings_are_refused_with_the_line(line):
    result = read(f"WEBVTT\n\n{line}\ninvalid\n\n00:00:02.000 --> 00:00:03.000\nfine\n")
    # A line without a whole arrow is no timing line at all: its block has none.
    assert result.codes == ["caption_timing" if "-->" in line else "caption_no_timing"]
    assert result.problems[0].params["line"] == 3
    assert [c.text for c in result.cues] == ["fine"]


def test_arrows_start_new_blocks_as_in_the_spec():
    # web-platform-tests' arrows.vtt, less its trailing broken timings: a line with an arrow ends the cue
    # text and starts the next block, so six cues are read.
    text = (
        "WEBVTT\n\n-->\n00:00:00.000 --> 00:00:01.000\ntext0\nfoo-->\n00:00:00.000 --> 00:00:01.000\n"
        "text1\n-->foo\n00:00:00.000 --> 00:00:01.000\ntext2\n--->\n00:00:00.000 --> 00:00:01.000\ntext3\n"
        "-->-->\n00:00:00.000 --> 00:00:01.000\ntext4\n00:00:00.000 --> 00:00:01.000\ntext5\n"
    )
    result = parse_vtt(text)
    assert [c.text for c in result.cues] == [f"text{i}" for i in range(6)]
    assert "caption_timing" in result.codes  # the lines "-->", "foo-->"... are reported, not dropped


def test_identifiers_settings_notes_and_styles():
    text = (
        "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\nNOTE a comment\nover two lines\n\n"
        "intro\n00:00:01.000 --> 00:00:02.000 align:start line:0\n<v Mina>안녕하세요</v>\n\n"
        "NOTE\n\n00:00:03.000 --> 00:00:04.000\nTwo\nlines\n"
    )
    result = parse_vtt(text)
    assert result.ok, result.problems
    first, second = result.cues
    assert (first.identifier, first.settings, first.positioned) == ("intro", "align:start line:0", True)
    assert second.text == "Two\nlines" and not second.positioned


def test_text_without_a_time_line_is_reported():
    result = parse_vtt("WEBVTT\n\n" + CUE + "\nLost words\n")
    assert result.codes == ["caption_no_timing"] and result.problems[0].params["line"] == 6


def test_start_must_be_before_end():
    result = read(
        "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n\n00:00:03.000 --> 00:00:03.000\nzero\n"
    )
    assert result.codes == ["caption_end_before_start", "caption_end_before_start"]


def test_overlapping_cues_are_refused_unless_positioned():
    overlapping = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\none\n\n00:00:01.000 --> 00:00:03.000\ntwo\n"
    result = read(overlapping)
    assert result.codes == ["caption_overlap"] and result.problems[0].params == {"line": 6, "other": 3}
    positioned = overlapping.replace("00:00:03.000\ntwo", "00:00:03.000 line:0\ntwo")
    assert read(positioned).ok
    touching = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\none\n\n00:00:01.000 --> 00:00:02.000\ntwo\n"
    assert read(touching).ok


def test_cues_must_end_within_the_video():
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nin\n\n00:00:09.000 --> 00:00:12.000\nafter\n"
    result = read(text, duration=5.0)
    assert result.codes == ["caption_past_end"]
    assert result.problems[0].params == {"line": 6, "measured": 12.0, "limit": 5.0}
    assert read(text).ok  # no duration known: not checked
    assert read("WEBVTT\n\n00:00:01.000 --> 00:00:05.900\nlast\n", duration=5.0).ok  # rounding slack


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<div>block</div>",
        "<a href='javascript:alert(1)'>link</a>",
        "<b>bold</b> and <style>x</style>",
        "unclosed < tag",
        "<iframe",
    ],
)
def test_html_in_cues_is_refused(payload):
    result = read(f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{payload}\n")
    assert result.codes == ["caption_markup"]
    sentence = describe(result.problems[0])
    assert sentence.startswith("Line 3:") and "not allowed" in sentence


def test_webvtt_tags_are_kept_and_shown_as_plain_text():
    cue_text = (
        "<c.yellow>Hi</c> <i>there</i> <v.loud Mina>안녕</v> <lang en>ok</lang> <ruby>漢<rt>한</rt></ruby> "
        "<00:00:00.500>now &amp; &lt;then&gt;"
    )
    result = read(f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{cue_text}\n")
    assert result.ok, result.problems
    assert plain_text(result.cues[0].text) == "Hi there 안녕 ok 漢한 now & <then>"


def test_plain_text_needs_escaping_where_shown():
    # The transcript escapes it (Jinja autoescape / textContent): decoded references stay text.
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;") == "<script>alert(1)</script>"


def test_utf16_is_refused_with_a_clear_reason():
    text = "WEBVTT\n\n" + CUE
    for data in (text.encode("utf-16"), text.encode("utf-16-le"), text.encode("utf-16-be")):
        result = read(data)
        assert result.codes == ["caption_encoding"] and result.problems[0].params["measured"] == "UTF-16"
        assert "UTF-16" in describe(result.problems[0])


def test_binary_and_unknown_encodings_are_refused():
    assert read(b"WEBVTT\n\n\x00\x01\x02").codes == ["caption_encoding"]
    assert read(b"WEBVTT\n\n" + bytes(range(0x80, 0xFF))).codes == ["caption_encoding"]


def test_korean_cp949_is_converted_with_a_warning():
    data = ("WEBVTT\n\n" + CUE.replace("text0", "안녕하세요")).encode("cp949")
    result = read(data)
    assert result.ok and result.cues[0].text == "안녕하세요"
    assert [w.code for w in result.warnings] == ["caption_converted_encoding"]


def test_size_cap_is_applied_before_reading_everything():
    class Endless(io.RawIOBase):
        """A stream of cues that never ends: only the cap plus one byte may be read."""

        served = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = (b"WEBVTT\n\n" + CUE.encode() * 1000)[: len(buffer)]
            buffer[: len(chunk)] = chunk
            self.served += len(chunk)
            return len(chunk)

    stream = Endless()
    result = load(io.BufferedReader(stream), "huge.vtt", Limits(max_bytes=10_000))
    assert result.codes == ["caption_too_large"] and stream.served < 20_000


def test_cue_count_and_line_length_caps():
    many = "WEBVTT\n\n" + "".join(
        f"{captions.format_timestamp(i)} --> {captions.format_timestamp(i + 1)}\nx\n\n" for i in range(50)
    )
    result = read(many, max_cues=10)
    assert result.codes == ["caption_too_many_cues"] and len(result.cues) == 10
    long_line = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<i>" + "가" * 50 + "</i>\n"
    assert read(long_line, max_line_chars=50).ok  # tags do not count
    assert read(long_line, max_line_chars=49).codes == ["caption_line_too_long"]


def test_a_million_broken_cues_get_a_bounded_list_of_reasons():
    text = "WEBVTT\n\n" + "99:99 --> nonsense\nx\n\n" * 5000
    result = read(text, max_bytes=10_000_000)
    assert len(result.problems) == captions.MAX_PROBLEMS and result.more_problems > 0 and not result.ok


def test_empty_file_and_no_cues():
    assert read("WEBVTT\n").codes == ["caption_empty"]
    assert read("WEBVTT\n\nNOTE only a note\n").codes == ["caption_empty"]


def test_srt_is_converted_to_webvtt():
    srt = (
        '1\r\n00:00:01,000 --> 00:00:02,500\r\n<FONT color="red">Hello</font> <B>world</b>\r\n\r\n'
        "2\r\n00:00:03,000 --> 00:00:04,000\r\n{\\an8}At the top & a < b\r\nsecond line\r\n\r\n"
    )
    result = read(srt.encode("utf-8-sig"), "clip.srt")
    assert result.ok, result.problems
    assert result.source_format == "srt"
    assert [w.code for w in result.warnings] == ["caption_converted_srt"]
    vtt = to_vtt(result.cues)
    assert vtt == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello <b>world</b>\n\n"
        "00:00:03.000 --> 00:00:04.000 line:0\nAt the top & a &lt; b\nsecond line\n"
    )
    # What was written reads back as valid WebVTT with the same cues.
    again = parse_vtt(vtt)
    assert again.ok and [(c.start, c.end) for c in again.cues] == [(1.0, 2.5), (3.0, 4.0)]


def test_srt_is_recognised_by_its_first_line_too():
    result = read("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "captions.txt")
    assert result.ok and result.source_format == "srt"


@pytest.mark.parametrize(
    "timing, code",
    [
        ("00:00:01,00 --> 00:00:02,000", "caption_timing"),  # missing digit
        ("00:00:01,0000 --> 00:00:02,000", "caption_timing"),  # extra digit
        ("00:61:01,000 --> 00:62:02,000", "caption_timing"),
        ("00:00:01 --> 00:00:02", "caption_timing"),
        ("just text", "caption_no_timing"),
    ],
)
def test_broken_srt_timings(timing, code):
    result = read(f"1\n{timing}\nhi\n\n2\n00:00:05,000 --> 00:00:06,000\nok\n", "a.srt")
    assert result.codes == [code] and result.problems[0].params["line"] == 2


def test_srt_with_html_is_refused():
    result = read("1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n", "a.srt")
    assert result.codes == ["caption_markup"] and result.problems[0].params["tag"] == "script"


def test_written_webvtt_round_trips():
    cues = [Cue(3723.5, 3725.25, "one\ntwo", "id-1", "line:0"), Cue(0.001, 1.0, "<i>first</i>")]
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.001 --> 00:00:01.000\n<i>first</i>\n\nid-1\n01:02:03.500")
    back = parse_vtt(vtt)
    assert back.ok and [(c.start, c.end, c.text, c.identifier) for c in back.cues] == [
        (0.001, 1.0, "<i>first</i>", ""),
        (3723.5, 3725.25, "one\ntwo", "id-1"),
    ]


@pytest.mark.parametrize(
    "codec, payload, text",
    [
        ("subrip", b"<i>Hi</i> <font color=red>a</font> < b", "<i>Hi</i> a &lt; b"),
        ("webvtt", b"<v Mina>Hi</v>", "<v Mina>Hi</v>"),
        ("mov_text", b"\x00\x05a<b&c" + b"styl-box", "a&lt;b&amp;c"),
        ("ass", b"0,0,Default,,0,0,0,,{\\i1}Hello\\Nworld", "Hello\nworld"),
    ],
)
def test_text_of_subtitle_packets(codec, payload, text):
    assert captions.cue_text_from_packet(codec, payload) == text


def test_every_problem_has_a_sentence():
    codes = [
        "caption_too_large", "caption_encoding", "caption_converted_encoding", "caption_converted_srt",
        "caption_signature", "caption_timing", "caption_no_timing", "caption_end_before_start",
        "caption_past_end", "caption_overlap", "caption_markup", "caption_arrow_in_text",
        "caption_line_too_long", "caption_too_many_cues", "caption_empty", "caption_no_text_stream",
    ]  # fmt: skip
    sentences = {describe({"code": c, "params": {"line": 4, "limit": 10, "measured": 12}}) for c in codes}
    assert len(sentences) == len(codes)
    assert not any("(caption_" in s for s in sentences)  # none falls back to the code


def test_wpt_header_tab_and_signature_without_newline():
    # header-tab.vtt: a header line holding a tab is header, not a blank line; the cue after it is read.
    result = parse_vtt("WEBVTT\n\t\n00:00:00.000 --> 00:00:01.000\ntext\n")
    assert result.ok and [c.text for c in result.cues] == ["text"]
    # signature-no-newline.vtt: a valid file without cues; Gongbang refuses it for being empty, not for its
    # signature.
    for text in ("WEBVTT", "WEBVTT ", "WEBVTT\t"):
        assert parse_vtt(text).codes == ["caption_empty"]


@pytest.mark.parametrize(
    "body, filename",
    [
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n" + "<" * 500_000, "a.vtt"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n" + "<a" * 300_000, "a.vtt"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\n<" + "a" * 900_000, "a.vtt"),
        ("1\n00:00:00,000 --> 00:00:01,000\n" + "<a" * 300_000, "a.srt"),
        ("1\n00:00:00,000 --> 00:00:01,000\n" + "{\\" * 300_000, "a.srt"),
        ("WEBVTT\n\n" + "00:00.000 --> 00:01.000\n" * 30_000, "a.vtt"),
    ],
)
def test_hostile_text_is_read_in_linear_time(body, filename):
    import time

    started = time.perf_counter()
    result = read(body, filename)
    assert time.perf_counter() - started < 3.0
    assert not result.ok
