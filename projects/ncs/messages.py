"""How the NCS framework's refusals and import problems read."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def describe(code: str, params: dict[str, Any]) -> str | None:
    """The translated sentence for an NCS code, or None for a code of another domain."""
    sentence = _SENTENCES.get(code)
    return sentence(params) if sentence is not None else None


def row_problem(code: str, value: str) -> str:
    """One problem of an imported line (the line number is shown beside it)."""
    sentence = _ROWS.get(code)
    return sentence(value) if sentence is not None else _("This line cannot be read.")


_SENTENCES = {
    "ncs_import_has_errors": lambda p: _("The file has problems. Nothing was imported."),
    "ncs_unknown_target": lambda p: _("This outcome or criterion is not in the project."),
    "ncs_bad_code": lambda p: _("%(code)s is not an NCS unit code.", code=p.get("unit", "")),
    "ncs_unknown_unit": lambda p: _("NCS unit %(code)s is not imported yet.", code=p.get("unit", "")),
    "ncs_too_many_units": lambda p: _("Choose at most %(count)s units.", count=p.get("count", "")),
}

_ROWS = {
    "not_utf8": lambda v: _("Save the file as UTF-8 CSV."),
    "unreadable": lambda v: _("This line cannot be read."),
    "empty": lambda v: _("The file has no units."),
    "missing_column": lambda v: _("The column %(name)s is missing.", name=v),
    "missing_value": lambda v: _("The value %(name)s is missing.", name=v),
    "control_character": lambda v: _("The value %(name)s has a control character.", name=v),
    "bad_code": lambda v: _("%(code)s is not an NCS unit code.", code=v),
    "bad_level": lambda v: _("The level must be a number from 1 to 8."),
    "too_long": lambda v: _("The value %(name)s is too long.", name=v),
    "too_many_rows": lambda v: _("The file has too many rows (at most %(count)s).", count=v),
    "unit_differs": lambda v: _("This unit differs from line %(line)s.", line=v),
}
