"""The wording of one language as a gettext ``.po`` file, out and in (Babel's ``write_po`` and ``read_po``).

An export holds the language's overrides, or the whole merged catalogue (what readers see now), so a
translator can work in Poedit and send the file back.  An import is all or nothing: every entry is checked
first (a known msgid, the placeholders and tags kept), and when one is refused nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from lms.users.models import User
from lms.wording import rules, services
from lms.wording.catalogue import split_id, split_string
from lms.wording.services import WordingError


@dataclass
class ImportReport:
    """What an import found: counts per outcome, and each refused entry with why."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: list[tuple[str, WordingError]] = field(default_factory=list)
    applied: bool = False


def export_po(locale: str, merged: bool = False) -> bytes:
    """*locale*'s overrides (or, *merged*, every message as readers see it now) as a ``.po`` file."""
    services.check_language(locale)
    catalog = Catalog(locale=Locale.parse(locale), project="Gongbang", fuzzy=False)
    for row in services.rows(locale):
        text = row.text if merged else (list(row.override.forms) if row.override else None)
        if not text and not merged:
            continue
        msgid = row.message.msgid if row.message.plural is None else (row.message.msgid, row.message.plural)
        if row.message.plural is None:
            string: str | tuple[str, ...] = text[0] if text else ""
        else:
            string = tuple(text) if text else ("",) * catalog.num_plurals
        catalog.add(msgid, string)
    out = BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()


def _read(locale: str, data: bytes) -> Catalog:
    try:
        catalog = read_po(BytesIO(data), abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError, LookupError):
        raise WordingError("bad_file") from None
    found = str(catalog.locale) if catalog.locale else None
    if found is not None and found != locale:
        raise WordingError("wrong_language", found=found)
    return catalog


def import_po(locale: str, data: bytes, by: User) -> ImportReport:
    """Apply the entries of a ``.po`` file as overrides of *locale*, all or none.

    Empty and fuzzy entries are skipped; an entry equal to what readers see now is unchanged; one equal to
    the shipped text removes the override.  A file that cannot be read, is for another language or has a
    refused entry changes nothing (the report lists the refusals).
    """
    services.check_language(locale)
    report, planned = ImportReport(), []
    current = {row.message.key: row for row in services.rows(locale)}
    for entry in _read(locale, data):
        if not entry.id:
            continue
        msgid, forms = split_id(entry.id)[0], split_string(entry.string)
        if entry.fuzzy or not any(forms):
            report.skipped += 1
            continue
        row = current.get(rules.message_key(msgid))
        if row is None:
            report.rejected.append((msgid, WordingError("unknown_message", msgid)))
            continue
        try:
            cleaned = services.check_override(locale, row.message, forms)
        except WordingError as exc:
            report.rejected.append((msgid, exc))
            continue
        if cleaned == row.text:
            report.unchanged += 1
        else:
            planned.append((row.message.key, cleaned))
            report.changed += row.override is not None
            report.added += row.override is None
    if report.rejected:
        report.added = report.changed = 0
        return report
    for key, cleaned in planned:
        services.save_override(locale, key, cleaned, by)
    report.applied = True
    return report
