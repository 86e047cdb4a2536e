"""Locale and time-zone selection, and the language switcher's helpers.

The locale comes from the signed-in user's setting, then a choice made with the
switcher (kept in the session for visitors), then ``Accept-Language``, then the
default.  On the API the person is the token's owner (session cookies mean nothing
there), so an answer speaks the owner's language, and ``Accept-Language`` only when
no token authenticated the request.  Times are stored in UTC and shown in the
user's zone (Asia/Seoul by default).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime
from flask_login import current_user

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


def _on_api() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def _person():
    """Whose settings apply: the API token's owner on the API (None before or without a token), else the
    signed-in user (None for a visitor)."""
    if _on_api():
        return g.get("api_user")
    return current_user if current_user and current_user.is_authenticated else None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
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


#: "short" date-times as people here write them: 24-hour clock (CLDR's Korean short form says "AM", not 오전)
#: and a four-digit year; day before month in English (trainees from day-first countries misread 12/10/26).
SHORT_DATETIME = {"ko": "yyyy. M. d. HH:mm", "en": "d MMM yyyy, HH:mm"}


def _datetime(value, fmt: str = "medium") -> str:
    from flask_babel import get_locale

    if not value:
        return ""
    if fmt == "short":
        fmt = SHORT_DATETIME.get(str(get_locale()), fmt)
    return format_datetime(value, fmt)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"languages": LANGUAGE_NAMES, "current_locale": str(get_locale())}
