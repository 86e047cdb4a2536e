"""The NCS pure cores: unit codes (matched on their 10-digit prefix) and the national CSV parser, which lists
every problem with its line."""

from __future__ import annotations

from importlib.resources import files

from projects.ncs import codes, importing

HEADER = "능력단위코드,능력단위명,능력단위명(영문),수준,능력단위요소코드,능력단위요소명\n"


def test_a_code_splits_into_its_levels_and_matches_other_issues_on_its_prefix():
    code = codes.parse(" 2001020201_16v3 ")
    assert code is not None
    assert (code.major, code.middle, code.minor, code.detail, code.unit) == ("20", "01", "02", "02", "01")
    assert (code.year, code.version, code.prefix, code.classification) == (2016, 3, "2001020201", "20010202")
    assert str(code) == "2001020201_16v3"
    assert codes.same_unit("2001020201_16v3", "2001020201_22v5")
    assert codes.same_unit("2001020201", "2001020201_16v3")
    assert not codes.same_unit("2001020201_16v3", "2001020202_16v3")
    newer = codes.parse("2001020201_22v1")
    assert newer is not None and codes.newer(newer, code) and not codes.newer(code, newer)
    for bad in ("", "2001020201", "200102020_16v3", "2001020201-16v3", "2001020201_16", "abcdefghij_16v3"):
        assert codes.parse(bad) is None, bad
    assert codes.prefix_of("2001020201") == "2001020201"
    assert codes.prefix_of("20010202") is None
    assert codes.split_codes("0803020101_16v3, 0803020102;\n2001020201") == [
        "0803020101_16v3",
        "0803020102",
        "2001020201",
    ]


def test_rows_of_one_unit_become_one_unit_with_its_elements():
    data = (
        HEADER
        + "0803020101_16v3,영상 기획,Video planning,4,0803020101_16v3.1,기획 의도 정하기\n"
        + "0803020101_16v3,영상 기획,Video planning,4,0803020101_16v3.2,구성안 작성하기\n"
        + "0803020102_16v3,영상 촬영,,3,,\n"
    ).encode("utf-8-sig")
    parsed = importing.parse_units_csv(data)
    assert parsed.errors == []
    first, second = parsed.units
    assert (first.code, first.prefix, first.name_ko, first.name_en, first.level) == (
        "0803020101_16v3",
        "0803020101",
        "영상 기획",
        "Video planning",
        4,
    )
    assert [e["name"] for e in first.elements] == ["기획 의도 정하기", "구성안 작성하기"]
    assert second.elements == [] and second.name_en == ""


def test_every_problem_is_listed_with_its_line():
    data = (
        HEADER
        + "0803020101_16v3,영상 기획,,4,,a\n"  # line 2: fine
        + "0803020101,영상 기획,,4,,b\n"  # line 3: no year and version
        + "0803020102_16v3,,,9,,c\n"  # line 4: no name, level out of range
        + "0803020101_17v1,영상 기획,,4,,d\n"  # line 5: another issue of line 2's unit
        + "0803020103_16v3,편집\x00,,3,,e\n"  # line 6: a control character
    ).encode()
    parsed = importing.parse_units_csv(data)
    assert [(e.line, e.code, e.value) for e in parsed.errors] == [
        (3, "bad_code", "0803020101"),
        (4, "missing_value", "name_ko"),
        (4, "bad_level", "9"),
        (5, "unit_differs", "2"),
        (6, "control_character", "name_ko"),
    ]


def test_a_file_without_the_columns_or_rows_or_in_another_encoding_is_refused():
    assert [e.code for e in importing.parse_units_csv(b"code,name\n1,2\n").errors] == ["missing_column"]
    assert [e.code for e in importing.parse_units_csv(HEADER.encode()).errors] == ["empty"]
    assert [e.code for e in importing.parse_units_csv("능력단위명".encode("cp949")).errors] == ["not_utf8"]
    english = b"code,name_ko,name_en,level,element\n2001020201_16v3,Content planning,Content planning,5,x\n"
    assert importing.parse_units_csv(english).units[0].prefix == "2001020201"


def test_the_shipped_sample_parses_and_says_it_is_a_sample():
    sample = files("projects.ncs") / "data" / "sample_units.csv"
    text = sample.read_text(encoding="utf-8")
    assert text.startswith("# SAMPLE DATA")
    parsed = importing.parse_units_csv(sample.read_bytes())
    assert parsed.errors == []
    assert len(parsed.units) >= 6 and all(u.elements for u in parsed.units)
    assert {u.prefix[:4] for u in parsed.units} == {"0803", "2001"}  # video production, digital content
    assert "sample" in (files("projects.ncs") / "data" / "README.md").read_text(encoding="utf-8").lower()
