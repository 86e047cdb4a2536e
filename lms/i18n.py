"""Locale and time-zone selection, and the language switcher's helpers.

The locale comes from the signed-in user's setting, then a choice made with the
switcher (kept in the session for visitors), then ``Accept-Language``, then the
default.  On the API the person is the token's owner (session cookies mean nothing
there), so an answer speaks the owner's language, and ``Accept-Language`` only when
no token authenticated the request.  Times are stored in UTC and shown in the
user's zone (Asia/Seoul by default).

Pages write every date, time and size through three Jinja filters defined here, so
there is one style everywhere: ``datetime`` and ``date`` (also for the ISO and
RFC 2822 strings kept in JSON columns and mail headers) and ``filesize``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, available_timezones

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime
from flask_login import current_user

#: Each shipped language by its own name, as its readers look for it in the switcher (in the order of
#: config.SHIPPED_LANGUAGES: Korean and English first).
LANGUAGE_NAMES = {
    "ko": "한국어",
    "en": "English",
    "vi": "Tiếng Việt",
    "zh_Hans": "简体中文",
    "uz": "Oʻzbekcha",
    "mn": "Монгол",
    "ne": "नेपाली",
    "id": "Bahasa Indonesia",
    "km": "ខ្មែរ",
    "fil": "Filipino",
    "th": "ไทย",
    "ru": "Русский",
    "my": "မြန်မာ",
    "ur": "اردو",
}
#: The languages whose content (briefs, rubrics, programme names) is written here; a reader of any other
#: interface language sees both side by side (:func:`content_text`).
CONTENT_LANGUAGES = ("ko", "en")


def html_lang(code: str) -> str:
    """The BCP 47 tag for ``<html lang>``: ``zh_Hans`` → ``zh-Hans``."""
    return code.replace("_", "-")


def text_direction(code: str) -> str:
    """``rtl`` for a right-to-left script (Urdu), else ``ltr`` (CLDR's character order)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).text_direction
    except (ValueError, UnknownLocaleError):
        return "ltr"


def offered_languages() -> list[str]:
    """The languages the centre offers now (the admin's choice within config ``LANGUAGES``, kept by
    :mod:`lms.wording`)."""
    from lms.wording.services import offered_languages as chosen

    return chosen()


def language_of(person) -> str:
    """The language to write to *person* in (mail, calendars, notices): theirs while it is offered, else the
    centre's default."""
    locale = getattr(person, "locale", None)
    return locale if locale in offered_languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


def reader_language() -> str | None:
    """The reader's language: the request's, or the one ``force_locale`` sets (a notice written for each
    reader, also in the worker); None where there is neither (the worker, the command line)."""
    from flask_babel import get_locale

    try:
        return str(get_locale() or "") or None
    except RuntimeError:  # no request and no forced language
        return None


def content_text(ko: str | None, en: str | None) -> str:
    """Content written in Korean and/or English (a title, a rubric criterion, a programme's name) as the
    reader should see it: theirs, falling back to the other; both, side by side ("영상 기초 / Video basics"),
    for a reader of any other language, who may read one better than the other (or is learning Korean).
    With no reader: Korean, the centre's language."""
    ko, en = ko or "", en or ""
    reader = reader_language()
    if reader == "en":
        return en or ko
    if reader in (None, "ko") or not (ko and en) or ko.strip() == en.strip():
        return ko or en
    return f"{ko} / {en}"


def _on_api() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def _person():
    """Whose settings apply: the API token's owner on the API (None before or without a token), else the
    signed-in user (None for a visitor)."""
    if _on_api():
        return g.get("api_user")
    return current_user if current_user and current_user.is_authenticated else None


def select_locale() -> str:
    languages = offered_languages()
    person = _person()
    if person is not None and person.locale in languages:
        return person.locale
    chosen = None if _on_api() else session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    person = _person()
    if person is not None and person.timezone:
        return person.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def common_timezones() -> list[str]:
    """Zones offered in the profile form: Seoul first, then the rest sorted."""
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return ["Asia/Seoul"] + [z for z in zones if z != "Asia/Seoul"]


#: One date-time style everywhere, whatever a template asks for: people here write a 24-hour clock (CLDR's
#: Korean short form says "AM", not 오전) and a four-digit year, and English puts the day before the month
#: (trainees from day-first countries misread 12/10/26).  "long" adds the seconds and the zone's name, never
#: a numeric offset like "+0900" (a receipt is read as evidence of when something happened).
DATETIME_FORMATS = {
    "ko": {"short": "yyyy. M. d. HH:mm", "long": "yyyy. M. d. HH:mm:ss (zzzz)"},
    "en": {"short": "d MMM yyyy, HH:mm", "long": "d MMM yyyy, HH:mm:ss (zzzz)"},
}
DATE_FORMATS = {
    "ko": {"short": "yyyy. M. d.", "long": "yyyy년 M월 d일"},
    "en": {"short": "d MMM yyyy", "long": "d MMMM yyyy"},
}
#: Babel's style names, folded onto ours: "medium" is the everyday style (the same as "short"), "full" the
#: precise one.  Any other value is a Babel pattern and passes through.
_STYLES = {"short": "short", "medium": "short", "long": "long", "full": "long"}
#: Decimal units, as people read a brief ("1 MB" is 1,000,000 bytes) and as media's messages write them.
_SIZE_UNITS = ("KB", "MB", "GB", "TB")


def _cldr_patterns(code: str) -> tuple[dict[str, str], dict[str, str]]:
    """Date and date-time patterns for a language without its own row above: CLDR's medium and long dates,
    with the same 24-hour clock (``HH:mm``) and zone name as Korean and English."""
    from babel import Locale

    locale = Locale.parse(code)
    dates = {"short": locale.date_formats["medium"].pattern, "long": locale.date_formats["long"].pattern}
    glue = str(locale.datetime_formats["medium"])
    times = {
        "short": glue.replace("{1}", dates["short"]).replace("{0}", "HH:mm"),
        "long": glue.replace("{1}", dates["short"]).replace("{0}", "HH:mm:ss (zzzz)"),
    }
    return times, dates


def _pattern(table: dict[str, dict[str, str]], fmt: str) -> str:
    from flask_babel import get_locale

    style = _STYLES.get(fmt)
    if style is None:
        return fmt
    return patterns(str(get_locale()), table is DATE_FORMATS)[style]


def patterns(code: str, dates: bool = False) -> dict[str, str]:
    """The ``short`` and ``long`` date-time (or, with *dates*, date) patterns of language *code*."""
    if code not in DATETIME_FORMATS:
        DATETIME_FORMATS[code], DATE_FORMATS[code] = _cldr_patterns(code)
    return (DATE_FORMATS if dates else DATETIME_FORMATS)[code]


def _as_datetime(value):
    """A datetime from what templates hand the filters: a datetime or date, or a string as stored in JSON
    (ISO 8601) or in a mail header (RFC 2822).  Naive values are UTC, as everywhere in the database."""
    if isinstance(value, (datetime, date)):
        return value
    text = str(value).strip()
    if len(text) == 10:  # "2026-12-06" is a day, not midnight UTC (morning in Seoul, the eve in London)
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


def format_when(value, fmt: str = "medium") -> str:
    """*value* as a date and time in the viewer's zone and locale ("2026. 12. 6. 23:01" / "6 Dec 2026,
    23:01"); "" for nothing, and the text itself for a string that is no time."""
    if not value:
        return ""
    when = _as_datetime(value)
    if when is None:
        return str(value)
    if not isinstance(when, datetime):  # a bare date has no time to show
        return format_day(when, fmt)
    return format_datetime(when, _pattern(DATETIME_FORMATS, fmt))


def format_day(value, fmt: str = "medium") -> str:
    """*value* as a date in the viewer's locale (a datetime is first moved to the viewer's zone)."""
    if not value:
        return ""
    day = _as_datetime(value)
    if day is None:
        return str(value)
    return format_date(day, _pattern(DATE_FORMATS, fmt))


def format_size(value) -> str:
    """A size in bytes as people read it: "500 bytes", "1.2 MB", "500 KB" (never "500.0 KB"); decimal
    units, at most one decimal, the number written in the viewer's locale."""
    from babel.numbers import format_decimal
    from babel.units import format_unit
    from flask_babel import get_locale

    if value is None or value == "":
        return ""
    size = float(value)
    locale = get_locale() if has_request_context() else "en"
    if abs(size) < 1000:
        return format_unit(int(size), "digital-byte", locale=locale)  # "500 bytes", "500바이트"
    for unit in _SIZE_UNITS:
        size /= 1000
        # Round first, so 999,999 bytes reads "1 MB" rather than "1,000 KB".
        if abs(round(size, 1)) < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{format_decimal(round(size, 1), format='#,##0.#', locale=locale)} {unit}"
    raise AssertionError("unreachable")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_when
    app.jinja_env.filters["date"] = format_day
    # Replaces Jinja's own ``filesizeformat``, which writes "500.0 kB"; both names give the one style.
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["filesizeformat"] = lambda value, binary=False: format_size(value)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        code = str(get_locale())
        offered = offered_languages()
        return {
            "languages": {c: LANGUAGE_NAMES[c] for c in offered if c in LANGUAGE_NAMES},
            "language_dirs": {c: text_direction(c) for c in offered},
            "current_locale": code,
            "html_lang": html_lang(code),
            "text_dir": text_direction(code),
        }
