"""The centre's overrides laid over the shipped catalogues, in every process, without a restart.

Flask-Babel answers every ``gettext``, ``lazy_gettext`` and template ``_()`` from
``get_babel().instance.domain_instance.get_translations()``.  The factory gives each app its own copy of the
Babel instance whose domain is a :class:`WordingDomain` (Flask-Babel's one ``Domain`` is shared by every app
of a process, with one cache for all of them).  The domain keeps each language's shipped catalogue for the
life of the process, and a copy with the overrides on top, labelled with the revision it was built at.

The revision (:class:`lms.wording.models.WordingRevision`) is read at most once per request (one primary-key
read in the request's own transaction, so a request sees its own change), or once a second in a task or a
command, or at most once per ``WORDING_CHECK_SECONDS`` per process where that is set; when another process
raised it, the overlaid copies are rebuilt on first use.
"""

from __future__ import annotations

import copy
from time import monotonic

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_request_context, request
from flask_babel import Domain, _get_current_context, get_babel, get_locale
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from lms.extensions import db
from lms.wording.models import WordingOverride, WordingRevision


class WordingDomain(Domain):
    """Flask-Babel's domain, for one app, with the overrides of the current revision on top."""

    def __init__(self) -> None:
        super().__init__()
        #: locale -> (revision, catalogue with the overrides)
        self.overlays: dict[str, tuple[int, Translations]] = {}
        #: (revision, monotonic time) last read by this process (see ``WORDING_CHECK_SECONDS``)
        self.checked: tuple[int, float] | None = None
        #: Whether the wording tables were read once (an instance not yet migrated has none: until it has,
        #: readers get the shipped catalogues rather than an error).
        self.ready = False

    def shipped(self, locale: str) -> Translations:
        """The merged shipped catalogues of every translation folder for *locale* (cached for the process)."""
        try:
            return self.cache[locale]
        except KeyError:
            pass
        translations = Translations()
        for folder in self.translation_directories:
            catalog = Translations.load(folder, [Locale.parse(locale)], self.domain[0])
            # A folder without the locale gives NullTranslations, which merge() skips.
            translations.merge(catalog)  # type: ignore[arg-type]
            if hasattr(catalog, "plural"):  # merge() leaves the plural rule behind (as Flask-Babel notes)
                translations.plural = catalog.plural
        self.cache[locale] = translations
        return translations

    def get_translations(self) -> Translations | NullTranslations:
        ctx = _get_current_context()
        if ctx is None:
            return NullTranslations()
        # A page calls this hundreds of times: the answer is kept for the rest of the request (its locale
        # object changes with force_locale, its environ with the next request).
        chosen = get_locale()
        environ = request.environ if has_request_context() else None
        held = getattr(ctx, "wording_held", None)
        if held is not None and held[0] is chosen and held[1] is environ and environ is not None:
            return held[2]
        translations = self._translations(str(chosen))
        ctx.wording_held = (chosen, environ, translations)
        return translations

    def _translations(self, locale: str) -> Translations:
        shipped = self.shipped(locale)
        revision = current_revision()
        if revision == 0:  # nothing was ever overridden
            return shipped
        held = self.overlays.get(locale)
        if held is not None and held[0] == revision:
            return held[1]
        with db.session.no_autoflush:
            rows = db.session.execute(
                select(WordingOverride.msgid, WordingOverride.msgid_plural, WordingOverride.forms).where(
                    WordingOverride.locale == locale
                )
            ).all()
        overlaid = overlay(shipped, rows) if rows else shipped
        self.overlays[locale] = (revision, overlaid)
        return overlaid


def overlay(shipped: Translations, rows) -> Translations:
    """A copy of *shipped* with each ``(msgid, msgid_plural, forms)`` of *rows* in place of its text."""
    result = Translations()
    result._catalog = dict(shipped._catalog)
    result.plural = shipped.plural
    result.files = list(shipped.files)
    for msgid, plural, forms in rows:
        if plural is None:
            result._catalog[msgid] = forms[0]
        else:
            for index, form in enumerate(forms):
                result._catalog[(msgid, index)] = form
    return result


#: Outside a request (a task, a command) the revision is read once per app context: a task (each runs in
#: its own) writes every message of its run in one wording, and its pages cost the same statements.
STANDALONE_SECONDS = float("inf")


def _memo() -> tuple[dict, str]:
    """Where this request (or, outside one, this app context) remembers the revision it read."""
    if has_request_context():
        return request.environ, "lms.wording.revision"
    ctx = _get_current_context()
    return (ctx.__dict__ if ctx is not None else {}), "wording_revision"


def current_revision() -> int:
    """The wording revision for this request: read once per request, then remembered in its environ (a
    request may run in an app context a test or a command already held, so ``g`` would outlive it).

    ``WORDING_CHECK_SECONDS`` (default 0: every request) lets a process reuse what it read for that long, so
    most requests skip the read; a change then reaches the other processes within that many seconds.
    """
    memo, name = _memo()
    held = memo.get(name)
    now = monotonic()
    if held is not None and (name != "wording_revision" or now - held[1] < STANDALONE_SECONDS):
        return held[0]
    shared = domain().checked  # (revision, when) this process read last
    if shared is not None and now - shared[1] < current_app.config.get("WORDING_CHECK_SECONDS", 0):
        value = shared[0]
    else:
        value = _read_revision()
        domain().checked = (value, now)
    memo[name] = (value, now)
    return value


def tables_ready() -> bool:
    """Whether this process has read the wording tables once (an instance not yet migrated has none, and
    serves its shipped catalogues and every configured language)."""
    return domain().ready


def _missing_table(exc: DBAPIError) -> bool:
    """Whether *exc* says a table does not exist (SQLite's "no such table", PostgreSQL's UndefinedTable)."""
    return "no such table" in str(exc.orig) or type(exc.orig).__name__ == "UndefinedTable"


def _read_revision() -> int:
    """The revision row's value (0: never changed). On a database not yet migrated, 0 — after rolling back
    the failed read, which on PostgreSQL aborts the transaction; any other database error is raised."""
    try:
        # No autoflush: a translation asked for half-way through a view must not write that view's changes.
        with db.session.no_autoflush:
            value = db.session.scalar(select(WordingRevision.value).where(WordingRevision.id == 1)) or 0
    except DBAPIError as exc:
        if not _missing_table(exc):
            raise
        db.session.rollback()
        return 0
    domain().ready = True
    return value


def forget_revision() -> None:
    """Read the revision again on next use (after this request changed it)."""
    memo, name = _memo()
    memo.pop(name, None)
    domain().checked = None
    ctx = _get_current_context()
    if ctx is not None:
        ctx.__dict__.pop("wording_held", None)


def domain(app: Flask | None = None) -> WordingDomain:
    """The app's wording domain."""
    return get_babel(app).instance.domain_instance


def install(app: Flask) -> None:
    """Give *app* its own Babel instance whose domain is a :class:`WordingDomain`."""
    config = get_babel(app)
    instance = copy.copy(config.instance)
    instance.__dict__["domain_instance"] = WordingDomain()  # fills Babel's cached_property
    config.instance = instance
