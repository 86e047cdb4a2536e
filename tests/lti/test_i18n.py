"""The LTI plugin's catalogue covers every string, in Korean and English, compiled."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "lti" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def extracted() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for folder, pattern, method, options in ((ROOT / "lti", "**.py", "python", {}),
                                             (ROOT / "templates" / "lti", "**.html", "jinja2",
                                              {"extensions": "jinja2.ext.do"})):
        for _f, _l, msg, _c, _ctx in extract_from_dir(str(folder), [(pattern, method)], keywords=keywords,
                                                     options_map={pattern: options}):
            found.add(msg if isinstance(msg, str) else msg[0])
    return found


def test_catalogue_covers_every_string_in_the_code():
    """Fails when a string was added without `make messages` and a translation."""
    with open(CATALOGUES / "ko" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    found = extracted()
    assert "Sign-in from the LMS refused" in found and "The statement was meant for another tool." in found
    assert sorted(found - known) == []


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_message_translated_and_compiled(locale):
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        po = read_po(fh, locale=locale)
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    for message in po:
        if not message.id:
            continue
        assert message.string and not message.fuzzy, message.id
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id
        if locale == "ko":
            assert HANGUL.search(message.string), message.id
        assert mo[message.id].string == message.string
