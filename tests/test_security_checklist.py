"""SECURITY.md cannot rot: every test it points at exists, and every requirement id is one ASVS 5.0 has."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "SECURITY.md"
#: ``tests/…py::name``, as the checklist writes them.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
#: Chapters of ASVS 5.0 and how many sections each has (V1.1-V1.5, …), to catch invented ids.
SECTIONS = {
    1: 5,
    2: 4,
    3: 7,
    4: 4,
    5: 4,
    6: 8,
    7: 6,
    8: 4,
    9: 2,
    10: 7,
    11: 7,
    12: 3,
    13: 4,
    14: 3,
    15: 4,
    16: 5,
    17: 3,
}


@cache
def _test_names(path: Path) -> frozenset[str]:
    """Module-level test functions of *path*, read without importing it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
    )


def _rows() -> list[tuple[str, str]]:
    """(first cell, whole line) of every table row that names requirements."""
    rows = []
    for line in CHECKLIST.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and re.match(r"\| \d+\.\d+", line):
            rows.append((line.split("|")[1].strip(), line))
    return rows


def test_every_referenced_test_exists():
    references = REFERENCE.findall(CHECKLIST.read_text(encoding="utf-8"))
    assert len(references) >= 60, "the checklist should point at its proofs"
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).is_file() or name not in _test_names(ROOT / path)
    ]
    assert not missing, "SECURITY.md points at tests that do not exist:\n" + "\n".join(sorted(set(missing)))


def test_requirement_ids_are_asvs_5_ids():
    bad = []
    for cell, _line in _rows():
        for ident in re.findall(r"\d+\.\d+(?:\.\d+|\.x)?", cell):
            chapter, section = (int(part) for part in ident.split(".")[:2])
            if chapter not in SECTIONS or not 1 <= section <= SECTIONS[chapter]:
                bad.append(ident)
    assert not bad, f"not ASVS 5.0 requirement ids: {bad}"


def test_met_rows_say_how_and_gaps_are_listed():
    rows = _rows()
    assert len(rows) >= 80
    for cell, line in rows:
        status = line.split("|")[3].strip()
        assert re.match(r"(\*\*)?(met|partly|not met|n/a)\b", status), (cell, status)
    text = CHECKLIST.read_text(encoding="utf-8")
    for cell, line in rows:
        if "**not met**" in line.split("|")[3]:
            first = cell.split(",")[0].split("–")[0]
            assert first in text.split("## Known gaps")[1], f"{cell} is not in the gaps"
    assert "LTI" in text.split("## V10")[1].split("## V11")[0]  # the LTI plugin's place is kept
