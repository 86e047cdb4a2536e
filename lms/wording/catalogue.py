"""The shipped messages: each msgid of each loaded package's ``messages.pot``, and a language's shipped text.

The templates (``.pot``) list every message, translated or not; the compiled catalogues (``.mo``, loaded by
:class:`lms.wording.overlay.WordingDomain`) give each language's shipped text.  Both are read once per
process: they change only with an upgrade, which restarts the processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from lms.wording.rules import message_key


@dataclass(frozen=True)
class Message:
    """One shipped message: its msgid (and plural msgid), its key, and the package whose catalogue has it."""

    msgid: str
    plural: str | None
    key: str
    package: str


def split_id(ident: object) -> tuple[str, str | None]:
    """``(msgid, msgid_plural or None)`` of a Babel message's ``id`` (a string, or a pair for plurals)."""
    if isinstance(ident, (tuple, list)):
        return str(ident[0]), str(ident[1])
    return str(ident), None


def split_string(string: object) -> list[str]:
    """The forms of a Babel message's ``string`` (a string, or one per plural form; None: none)."""
    if isinstance(string, (tuple, list)):
        return [str(form or "") for form in string]
    return [str(string or "")]


@lru_cache(maxsize=8)
def load_messages(directories: tuple[str, ...]) -> tuple[Message, ...]:
    """The messages of the ``messages.pot`` in each of *directories*, in catalogue order; a msgid two packages
    share is listed once (gettext merges catalogues by msgid, so one override serves both)."""
    seen: set[str] = set()
    found: list[Message] = []
    for folder in directories:
        path = os.path.join(folder, "messages.pot")
        if not os.path.isfile(path):
            continue
        package = os.path.basename(os.path.dirname(os.path.normpath(folder)))
        with open(path, "rb") as fh:
            template = read_po(fh)
        for entry in template:
            if not entry.id:
                continue
            msgid, plural = split_id(entry.id)
            if msgid in seen:
                continue
            seen.add(msgid)
            found.append(Message(msgid, plural, message_key(msgid), package))
    return tuple(found)


@lru_cache(maxsize=8)
def index_messages(directories: tuple[str, ...]) -> dict[str, Message]:
    """:func:`load_messages` by key."""
    return {m.key: m for m in load_messages(directories)}


@lru_cache(maxsize=64)
def plural_count(locale: str) -> int:
    """How many plural forms *locale* has (CLDR's rules, as ``pybabel init`` writes them)."""
    try:
        return get_plural(locale).num_plurals
    except (ValueError, LookupError):
        return 2


def shipped_forms(catalog: dict, message: Message, count: int) -> list[str] | None:
    """The shipped text of *message* in a compiled catalogue's dictionary, one string per plural form, or
    None when that language has no translation for it (gettext then shows the msgid)."""
    if message.plural is None:
        text = catalog.get(message.msgid)
        return [text] if text else None
    forms = [catalog.get((message.msgid, i)) for i in range(count)]
    return [f for f in forms if f] if all(forms) else None
