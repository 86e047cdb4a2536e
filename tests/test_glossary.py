"""One word per concept: the Korean catalogues keep to the glossary in CONTRIBUTING.md.

The glossary table is read from CONTRIBUTING.md, so the page people read and the rule the tests apply are
the same. A word from its "not" column (프로젝트 for a project, 포스터 for a poster, 신고 for the AI-use
and people form, 취업 통계 for the placement page...) must not appear in any Korean message, source or
compiled; and the menu items and headings people named in the trial are pinned to the glossary's word.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lms", "projects", "media", "lti")

#: Real exceptions: (package, msgid, banned word) → why the word is right there.
ALLOWED: dict[tuple[str, str, str], str] = {}

#: Messages people saw mixed in the trial, pinned to the glossary's word: (package, msgid) → Korean.
PINNED = {
    ("projects", "Projects"): "과제",  # the menu
    ("projects", "Project"): "과제",  # the list's column
    ("lti", "Project"): "과제",
    ("projects", "Poster"): "대표 이미지",
    ("media", "Let Gongbang choose the poster"): "대표 이미지",
    ("projects", "Placement"): "취업 현황",  # the menu
    ("projects", "Placement figures"): "취업 현황",  # the same page's heading
    ("projects", "Declarations"): "AI 사용 및 출연자 안내",
    ("projects", "Save declarations"): "AI 사용 및 출연자 안내",
}


def glossary() -> list[dict[str, str]]:
    """The rows of the table under "### Glossary" in CONTRIBUTING.md."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("### Glossary", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in row.strip("|").split("|")), strict=True))
        for row in rows[2:]
    ]


def banned() -> dict[str, str]:
    """Each word of the "not" column → the glossary word to use instead."""
    return {
        word.strip(): row["Korean"] for row in glossary() for word in row["not"].split(",") if word.strip()
    }


def korean(package: str) -> dict[str, list[str]]:
    """msgid → its Korean forms, from the ``.po`` and, under ``mo:``-prefixed keys, from the ``.mo``."""
    folder = ROOT / package / "translations" / "ko" / "LC_MESSAGES"
    out: dict[str, list[str]] = {}
    with open(folder / "messages.po", "rb") as fh:
        for m in read_po(fh, locale="ko"):
            if m.id:
                key = m.id if isinstance(m.id, str) else m.id[0]
                out[key] = [m.string] if isinstance(m.string, str) else list(m.string)
    with open(folder / "messages.mo", "rb") as fh:
        for m in read_mo(fh):
            if m.id:
                key = m.id if isinstance(m.id, str) else m.id[0]
                out["mo:" + key] = [m.string] if isinstance(m.string, str) else list(m.string)
    return out


def test_the_glossary_table_is_read():
    words = banned()
    assert {"프로젝트", "포스터", "신고", "취업 통계"} <= set(words)
    assert words["프로젝트"] == "과제" and words["포스터"] == "대표 이미지"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_korean_message_uses_a_banned_variant(package):
    words = banned()
    found = [
        f"{package}: {msgid.removeprefix('mo:')!r} says {word!r} (use {words[word]!r}): {form}"
        for msgid, forms in korean(package).items()
        for form in forms
        for word in words
        if word in form and (package, msgid.removeprefix("mo:"), word) not in ALLOWED
    ]
    assert found == []


@pytest.mark.parametrize(("package", "msgid"), sorted(PINNED))
def test_menu_and_headings_use_the_glossary_word(package, msgid):
    forms = korean(package)
    assert PINNED[package, msgid] in forms[msgid][0]
    assert forms["mo:" + msgid] == forms[msgid]  # and the app shows it: the .mo says the same


def test_placement_menu_and_heading_say_the_same():
    forms = korean("projects")
    assert forms["Placement"] == forms["Placement figures"] == ["취업 현황"]


def test_ai_disclosure_reads_as_plain_words():
    """The word 신고 reads like a report to the police; the heading says what the form is about."""
    forms = korean("projects")
    assert not re.search("신고", " ".join(forms["Declarations"] + forms["Your declarations are saved."]))
    assert "AI" in forms["AI-use disclosure"][0] and "공개" not in forms["AI-use disclosure"][0]
