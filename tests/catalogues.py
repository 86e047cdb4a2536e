"""Checks shared by each plugin's catalogue tests: every string in the code is in the catalogue, and every
message is translated (Korean in Hangul), keeps its placeholders and is compiled."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _first(value) -> str:
    return value if isinstance(value, str) else value[0]


def extracted(package: str) -> set[str]:
    """The msgids in the package's code and in ``templates/<package>``."""
    found = set()
    for folder, pattern, method, options in (
        (ROOT / package, "**.py", "python", {}),
        (ROOT / "templates" / package, "**.html", "jinja2", {"extensions": "jinja2.ext.do"}),
    ):
        for _f, _l, msg, _c, _ctx in extract_from_dir(
            str(folder), [(pattern, method)], keywords=KEYWORDS, options_map={pattern: options}
        ):
            found.add(_first(msg))
    return found


def missing_from_catalogue(package: str) -> tuple[set[str], list[str]]:
    """What the code holds, and the msgids in it that the Korean catalogue lacks
    (``make messages`` forgotten)."""
    with open(ROOT / package / "translations" / "ko" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        known = {_first(m.id) for m in read_po(fh) if m.id}
    found = extracted(package)
    return found, sorted(found - known)


def check_translated_and_compiled(package: str, locale: str) -> None:
    """Every message of *locale* is translated, not fuzzy, keeps its placeholders and is in the ``.mo``."""
    folder = ROOT / package / "translations" / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as fh:
        po = read_po(fh, locale=locale)
    with open(folder / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    for message in po:
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert forms and all(forms) and not message.fuzzy, message.id
        for form in forms:
            assert sorted(PLACEHOLDER.findall(_first(message.id))) == sorted(PLACEHOLDER.findall(form)), (
                message.id
            )
            if locale == "ko":
                assert HANGUL.search(form), message.id
        compiled = mo[message.id].string  # plural forms: a tuple in the .po, a list in the .mo
        assert ([compiled] if isinstance(compiled, str) else list(compiled)) == forms, message.id
