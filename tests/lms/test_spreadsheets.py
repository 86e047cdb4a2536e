"""Every CSV the app writes goes through one escape: formula-like cells, header row included, stay text."""

from __future__ import annotations

import csv
import io

from lms.spreadsheets import csv_text, safe_cell


def test_header_and_cells_are_escaped_and_numbers_stay_numbers():
    text = csv_text([["=1+2", "Name"], ["-1.5", "@SUM(A1)"], ["+3", "-Infinity"], [None, "\tx"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["'=1+2", "Name"], ["-1.5", "'@SUM(A1)"], ["+3", "'-Infinity"], ["", "'\tx"]]
    assert safe_cell("\r=1") == "'\r=1" and safe_cell(7) == "7"
