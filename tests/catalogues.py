"""Checks shared by each plugin's catalogue tests: every string in the code is in the catalogue, and every
message is translated in every shipped language (in that language's script), keeps its placeholders, has the
language's number of plural forms and is compiled."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from lms.config import SHIPPED_LANGUAGES  # noqa: F401  (the catalogue tests' languages)

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: The script a message of each language is written in (Latin-script languages are not checked here).
SCRIPTS = {
    "ko": HANGUL,
    "zh_Hans": re.compile(r"[\u4e00-\u9fff]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "mn": re.compile(r"[\u0400-\u04ff]"),
    "ne": re.compile(r"[\u0900-\u097f]"),
    "km": re.compile(r"[\u1780-\u17ff]"),
    "my": re.compile(r"[\u1000-\u109f]"),
    "ur": re.compile(r"[\u0600-\u06ff]"),
}
#: Messages that stay as they are in every language: names.
NAMES = {"Gongbang"}


def _has_words(msgid: str) -> bool:
    """Whether a message has words to translate (not only placeholders, symbols, short codes or a name)."""
    return msgid not in NAMES and bool(re.search(r"[a-z]{3,}", PLACEHOLDER.sub("", msgid)))


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
    plurals = get_plural(locale).num_plurals
    script = SCRIPTS.get(locale)
    for message in po:
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert forms and all(forms) and not message.fuzzy, message.id
        if message.pluralizable:
            assert len(forms) == plurals, (message.id, locale)
        for form in forms:
            # The same names (a language may repeat one: "%(measure)s ... %(measure)s").
            assert set(PLACEHOLDER.findall(_first(message.id))) == set(PLACEHOLDER.findall(form)), message.id
            if script is not None and _has_words(_first(message.id)):
                assert script.search(form), (locale, message.id, form)
        compiled = mo[message.id].string  # plural forms: a tuple in the .po, a list in the .mo
        assert ([compiled] if isinstance(compiled, str) else list(compiled)) == forms, message.id
