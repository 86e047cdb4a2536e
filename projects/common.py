"""What every domain of the projects plugin shares: whether the app loaded the plugin, private pages, and the
template helpers of bilingual rows and signed records."""

from __future__ import annotations

from flask import current_app

from lms.archives import UniqueNames  # noqa: F401  (the domains' archives use it from here)
from lms.archives import part_name as zip_part_name  # noqa: F401
from lms.errors import DomainError
from lms.i18n import content_text


class ProjectError(DomainError):
    """A change that would break a rule of the projects plugin; each domain's ``messages.py`` words its
    codes."""


def loaded() -> bool:
    """Receivers connect once per process; a process may build apps with and without this plugin."""
    return "projects" in current_app.extensions


#: Headers of every page a reader other than the owner opens: not indexed, no referrer, not cached.
PRIVATE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def private(response):
    response = current_app.make_response(response)
    response.headers.update(PRIVATE_HEADERS)
    return response


def localised(obj, field: str) -> str:
    """``obj.<field>_en`` for English readers, else ``obj.<field>_ko``; each falls back to the other, and
    readers of other languages see both (:func:`lms.i18n.content_text`)."""
    return content_text(getattr(obj, f"{field}_ko", ""), getattr(obj, f"{field}_en", ""))


def iso_date(value: str | None):
    """An ISO date (or date-time) string of a signed record as a date, for the ``date`` filter."""
    from datetime import date

    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
