"""The pure rules of centre-editable wording: keys, placeholders, markup and what "reviewed" means.

No Flask and no database here, so the views, the ``.po`` import and the tests share one definition.  A
message is named by its msgid (plural messages by the singular msgid, as gettext's catalogues do), so an
override survives an upgrade that keeps the msgid, whatever else moved.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

#: A printf conversion: ``%(name)s``, ``%(count)d``, ``%%``, or a bare ``%s`` (never used with named
#: variables, but a translation must not bring one in either).
CONVERSION = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
#: An HTML tag.  Templates mark translations safe (Jinja's i18n extension wraps them in ``Markup``), so an
#: override may only repeat the tags of the message it replaces, never bring new ones (or new attributes).
TAG = re.compile(r"<[^<>]*>")
#: The longest override text a form holds (a message is a sentence or a paragraph, never a page).
MAX_LENGTH = 2000


class RuleError(ValueError):
    """An override breaks a rule: ``code`` names it, ``params`` hold what the sentence needs."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def message_key(msgid: str) -> str:
    """A short, URL-safe name for *msgid* (128 bits of its SHA-256)."""
    return hashlib.sha256(msgid.encode("utf-8")).hexdigest()[:32]


def text_hash(forms: Sequence[str]) -> str:
    """What a review is tied to: the exact text (all plural forms) that the reviewer read."""
    return hashlib.sha256("\x00".join(forms).encode("utf-8")).hexdigest()


def placeholders(text: str) -> list[str]:
    """The named placeholders of *text*, sorted, repeats kept (``%%`` is no placeholder)."""
    return sorted(name for name, kind in CONVERSION.findall(text) if name)


def _formats(text: str, names: Sequence[str]) -> bool:
    """Whether *text* formats with every name given (as ``gettext(text, **values)`` will do)."""
    try:
        text % {name: 0 for name in names}
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _loose_brackets(text: str) -> set[str]:
    """Angle brackets outside whole tags: an unclosed ``<img …`` would swallow the page's next tag."""
    return set(TAG.sub("", text)) & {"<", ">"}


def check_forms(msgid: str, plural: str | None, forms: Sequence[str], count: int) -> list[str]:
    """The override *forms* cleaned (stripped of surrounding blanks), or :class:`RuleError`.

    The rules: as many forms as the language has plural forms (*count*; one for a message without plural);
    none empty or over :data:`MAX_LENGTH`; each keeps the msgid's named placeholders (the check the shipped
    catalogues pass, ``tests/catalogues.py``), brings no other conversion and formats as the msgid does; and
    each keeps the msgid's HTML tags exactly, with no loose angle bracket the msgid has not.
    """
    cleaned = [form.strip() for form in forms]
    if len(cleaned) != (count if plural is not None else 1):
        raise RuleError("form_count", count=count)
    wanted = placeholders(msgid)
    names = wanted + placeholders(plural or "")
    tags = Counter(TAG.findall(msgid))
    loose = _loose_brackets(msgid)
    for form in cleaned:
        if not form:
            raise RuleError("empty")
        if len(form) > MAX_LENGTH:
            raise RuleError("too_long", limit=MAX_LENGTH)
        if placeholders(form) != wanted:
            raise RuleError("placeholders", expected=" ".join(f"%({n})s" for n in wanted) or "—")
        if _formats(msgid, names) and not _formats(form, names):
            raise RuleError("percent")
        if Counter(TAG.findall(form)) != tags or _loose_brackets(form) - loose:
            raise RuleError("markup")
    return cleaned


def is_reviewed(
    shipped: Sequence[str] | None,
    override: Sequence[str] | None,
    written_against: Sequence[str] | None,
    review_hash: str | None,
    trusted: bool,
) -> bool:
    """Whether a person stands behind what readers see now.

    *shipped*: the catalogue's forms (None when the language has no translation); *override* and
    *written_against*: the override's forms and the shipped forms it was written against; *review_hash*: the
    :func:`text_hash` a reviewer last marked; *trusted*: the language's shipped catalogue was written by
    people (ko, en).  An override whose shipped text changed since is never reviewed: someone must look again.
    """
    if override is not None:
        if list(written_against or []) != list(shipped or []):
            return False
        return review_hash == text_hash(override)
    if not shipped:
        return False
    return trusted or review_hash == text_hash(shipped)
