"""Centre-editable wording: which languages the centre offers, the overrides of shipped messages, reviews.

Services flush and never commit (the request edge does); each change raises the wording revision so every
process rebuilds its catalogues on its next request (:mod:`lms.wording.overlay`), and is logged with who
made it.  The ``.po`` export and import live in :mod:`lms.wording.transfer`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_babel
from sqlalchemy import select, update

from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.users.models import User
from lms.wording import catalogue, overlay, rules
from lms.wording.catalogue import Message
from lms.wording.models import WordingLanguage, WordingOverride, WordingReview, WordingRevision

log = logging.getLogger(__name__)

#: Languages whose shipped catalogue people wrote and checked; the others were drafted by a machine, and a
#: message counts as reviewed only once a person marked it.  ``WORDING_REVIEWED_LOCALES`` may say otherwise.
REVIEWED_BY_DEFAULT = ("ko", "en")


class WordingError(DomainError):
    """A refused wording change (sentences in :mod:`lms.wording.messages`)."""


class UnknownMessage(WordingError):
    """No shipped message or configured language by that name."""

    status = 404


@dataclass
class Row:
    """One message as the wording pages show it, in one language."""

    message: Message
    shipped: list[str] | None
    override: WordingOverride | None
    reviewed: bool

    @property
    def outdated(self) -> bool:
        """The shipped text changed since the override was written."""
        return self.override is not None and list(self.override.written_against) != list(self.shipped or [])

    @property
    def text(self) -> list[str] | None:
        """What readers see now (None: the msgid, untranslated)."""
        return list(self.override.forms) if self.override is not None else self.shipped


def _cache() -> dict:
    return current_app.extensions["wording"]


def offered_languages() -> list[str]:
    """The language codes the centre offers now, in ``LANGUAGES`` order, the default always among them.

    Cached per process and rebuilt when the wording revision moved (read once per request), so it is cheap
    enough for every request.
    """
    cache = _cache()
    revision = overlay.current_revision()
    held = cache.get("offered")
    if held is not None and held[0] == revision:
        return list(held[1])
    off: set[str] = set()
    if overlay.tables_ready():  # (an instance not yet migrated offers every configured language)
        with db.session.no_autoflush:  # called from the locale selector, at any point of a view
            off = set(
                db.session.scalars(select(WordingLanguage.locale).where(WordingLanguage.offered.is_(False)))
            )
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    codes = [code for code in current_app.config["LANGUAGES"] if code == default or code not in off]
    if default not in codes:
        codes.insert(0, default)
    cache["offered"] = (revision, codes)
    return list(codes)


def bump_revision() -> None:
    """Raise the wording revision, so every process rebuilds its catalogues after the commit."""
    raised = db.session.execute(
        update(WordingRevision).where(WordingRevision.id == 1).values(value=WordingRevision.value + 1)
    )
    if not raised.rowcount:  # type: ignore[attr-defined]
        db.session.add(WordingRevision(id=1, value=1))
    db.session.flush()
    overlay.forget_revision()


def check_language(locale: str) -> str:
    """*locale* when it is a configured language, else :class:`UnknownMessage` (a 404)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise UnknownMessage("unknown_language", locale)
    return locale


def set_offered(locale: str, offered: bool, by: User) -> None:
    """Offer *locale* to the centre's people, or stop offering it (never the default language)."""
    check_language(locale)
    if not offered and locale == current_app.config["BABEL_DEFAULT_LOCALE"]:
        raise WordingError("default_language")
    row = db.session.get(WordingLanguage, locale) or WordingLanguage(locale=locale)
    row.offered, row.updated_by_id, row.updated_at = offered, by.id, utcnow()
    db.session.add(row)
    bump_revision()
    log.info("wording: %s offered=%s by user %s", locale, offered, by.id)


def messages() -> tuple[Message, ...]:
    """Every shipped message of the loaded packages."""
    return catalogue.load_messages(tuple(get_babel().translation_directories))


def find_message(key: str) -> Message:
    """The shipped message named *key*, else :class:`UnknownMessage`."""
    message = catalogue.index_messages(tuple(get_babel().translation_directories)).get(key)
    if message is None:
        raise UnknownMessage("unknown_message", key)
    return message


def shipped_catalog(locale: str) -> dict:
    """The compiled shipped catalogue of *locale* (msgid, or ``(msgid, n)``, to text)."""
    return overlay.domain().shipped(locale)._catalog


def _trusted(locale: str) -> bool:
    return locale in current_app.config.get("WORDING_REVIEWED_LOCALES", REVIEWED_BY_DEFAULT)


def rows(locale: str, keys: Iterable[str] | None = None) -> list[Row]:
    """Every message of *locale* (or those named by *keys*) with its shipped text, override and review."""
    wanted = None if keys is None else set(keys)
    catalog, count, trusted = shipped_catalog(locale), catalogue.plural_count(locale), _trusted(locale)
    overrides = {
        o.key: o for o in db.session.scalars(select(WordingOverride).where(WordingOverride.locale == locale))
    }
    reviews = dict(
        db.session.execute(
            select(WordingReview.key, WordingReview.text_hash).where(WordingReview.locale == locale)
        ).all()
    )
    result = []
    for message in messages():
        if wanted is not None and message.key not in wanted:
            continue
        shipped, override = catalogue.shipped_forms(catalog, message, count), overrides.get(message.key)
        reviewed = rules.is_reviewed(
            shipped,
            override.forms if override else None,
            override.written_against if override else None,
            reviews.get(message.key),
            trusted,
        )
        result.append(Row(message, shipped, override, reviewed))
    return result


def search(locale: str, query: str = "", field: str = "text", status: str = "") -> list[Row]:
    """The messages of *locale* matching *query* (case-blind): in any text (msgid, shipped or override) or
    in the msgid only (``field="key"``); *status* keeps only ``overridden``, ``unreviewed`` or
    ``outdated``."""
    needle = query.strip().casefold()
    found = []
    for row in rows(locale):
        if status == "overridden" and row.override is None:
            continue
        if status == "unreviewed" and row.reviewed:
            continue
        if status == "outdated" and not row.outdated:
            continue
        texts = [row.message.msgid, row.message.plural or ""]
        if field != "key":
            texts += (row.shipped or []) + (list(row.override.forms) if row.override else [])
        if needle and not any(needle in text.casefold() for text in texts):
            continue
        found.append(row)
    return found


def summaries() -> list[dict]:
    """Per configured language: its counts of messages, translated ones, overrides and reviewed ones."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    offered = set(offered_languages())
    result = []
    for locale in current_app.config["LANGUAGES"]:
        all_rows = rows(locale)
        result.append(
            {
                "code": locale,
                "offered": locale in offered,
                "default": locale == default,
                "total": len(all_rows),
                "translated": sum(1 for r in all_rows if r.shipped),
                "overrides": sum(1 for r in all_rows if r.override is not None),
                "outdated": sum(1 for r in all_rows if r.outdated),
                "reviewed": sum(1 for r in all_rows if r.reviewed),
            }
        )
    return result


def check_override(locale: str, message: Message, forms: Sequence[str]) -> list[str]:
    """*forms* cleaned, or :class:`WordingError` naming the broken rule (see :func:`rules.check_forms`)."""
    try:
        return rules.check_forms(message.msgid, message.plural, forms, catalogue.plural_count(locale))
    except rules.RuleError as exc:
        raise WordingError(exc.code, message.msgid, **exc.params) from None


def save_override(locale: str, key: str, forms: Sequence[str], by: User) -> WordingOverride | None:
    """Use *forms* for message *key* in *locale* from now on; the author's own text counts as reviewed by
    them.  Text equal to the shipped one removes the override instead (returns None)."""
    check_language(locale)
    message = find_message(key)
    cleaned = check_override(locale, message, forms)
    shipped = catalogue.shipped_forms(shipped_catalog(locale), message, catalogue.plural_count(locale))
    if cleaned == shipped:
        revert_override(locale, key, by)
        return None
    override = _override(locale, key) or WordingOverride(
        locale=locale, key=key, msgid=message.msgid, msgid_plural=message.plural, created_by_id=by.id
    )
    override.forms, override.written_against = cleaned, shipped or []
    override.updated_by_id, override.updated_at = by.id, utcnow()
    db.session.add(override)
    _review(locale, key, cleaned, by)
    bump_revision()
    log.info("wording: %s override %s saved by user %s", locale, key, by.id)
    return override


def revert_override(locale: str, key: str, by: User) -> bool:
    """Show the shipped text of message *key* in *locale* again; False when there was no override."""
    check_language(locale)
    override = _override(locale, key)
    if override is None:
        return False
    db.session.delete(override)
    bump_revision()
    log.info("wording: %s override %s reverted by user %s", locale, key, by.id)
    return True


def mark_reviewed(locale: str, keys: Iterable[str], by: User) -> int:
    """Record that *by* read the current text of each message of *keys* in *locale* and found it right; an
    override whose shipped text changed is confirmed against the new one.  Messages with no text in the
    language are left out.  Returns how many were marked."""
    check_language(locale)
    marked = 0
    for row in rows(locale, keys):
        text = row.text
        if not text:
            continue
        if row.outdated and row.override is not None:
            row.override.written_against = row.shipped or []
        _review(locale, row.message.key, text, by)
        marked += 1
    db.session.flush()
    log.info("wording: %s %d messages reviewed by user %s", locale, marked, by.id)
    return marked


def _override(locale: str, key: str) -> WordingOverride | None:
    return db.session.scalar(
        select(WordingOverride).where(WordingOverride.locale == locale, WordingOverride.key == key)
    )


def _review(locale: str, key: str, forms: Sequence[str], by: User) -> None:
    review = db.session.scalar(
        select(WordingReview).where(WordingReview.locale == locale, WordingReview.key == key)
    )
    review = review or WordingReview(locale=locale, key=key)
    review.text_hash, review.reviewed_by_id, review.reviewed_at = rules.text_hash(forms), by.id, utcnow()
    db.session.add(review)
