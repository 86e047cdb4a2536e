"""The portfolio as a PDF: what the offline bundle holds, on paper, with a QR code to check each credential.

The page is the reader's view of the published portfolio (the items' posters, both reflections, the AI-use
disclosure, the competencies) in the owner's language, rendered by :mod:`lms.pdf`, which fetches nothing: the
posters are read from storage here and handed over as resources, the QR codes are drawn here (segno, PNG).
Each QR code holds the address of one of the owner's Open Badges credentials (what their "My credentials"
page shows), which anyone can check at /verify; the credentials domain, above this one, names them
(:data:`projects.portfolios.signals.credentials_asked`).  A share link's token never goes in: the PDF
outlives the link.  At most :data:`ITEMS_MAX` items go in, so the time and memory of a download stay bounded.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from lms import pdf
from lms.config import public_url
from lms.i18n import html_lang, text_direction
from media.services import get_storage
from projects.common import zip_part_name
from projects.portfolios import services as portfolios
from projects.portfolios import signals
from projects.portfolios.models import Portfolio, PortfolioItem

log = logging.getLogger(__name__)

#: The most items one PDF holds (the first ones, in the portfolio's order); about 1.5 pages each.
ITEMS_MAX = 60
#: A poster larger than this is left out (the renditions are about 100 KB; this bounds a broken one).
POSTER_MAX = 4 * 1024 * 1024
#: The renditions an item's picture is taken from, in order: the video's poster, else the picture's.
PICTURE_ROLES = ("poster", "display")


@dataclass(frozen=True)
class CredentialCode:
    """One credential in the PDF: what it is, and the resource name of its QR code (of ``credential.url``)."""

    credential: signals.Checkable
    resource: str


def qr_png(url: str) -> bytes:
    """*url* as a QR code, PNG (segno; black on white, four modules of quiet zone so a phone reads it)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4, border=4)
    return out.getvalue()


def _picture(item: PortfolioItem) -> bytes | None:
    """The bytes of the item's poster (or picture) rendition, None when it has none or it is too large."""
    for role in PICTURE_ROLES:
        found = item.media.rendition(role) if item.media else None
        if found is None:
            continue
        path = get_storage().path(found.storage_key)
        try:
            if path.stat().st_size > POSTER_MAX:
                log.warning("portfolio item %s: %s rendition too large for the PDF", item.id, role)
                return None
            return path.read_bytes()
        except OSError as exc:
            log.warning("portfolio item %s: %s rendition unreadable: %s", item.id, role, type(exc).__name__)
            return None
    return None


def credential_codes(portfolio: Portfolio) -> list[CredentialCode]:
    """The owner's credentials that anyone may check (the credentials domain answers), with their QR codes'
    resource names."""
    found = signals.credentials_of(portfolio.owner)
    return [CredentialCode(credential, f"qr-{n}") for n, credential in enumerate(found, 1)]


def document(portfolio: Portfolio) -> tuple[bytes, str]:
    """The PDF of *portfolio*'s published items and its ASCII file name.

    :raises lms.pdf.PdfError: rendering is unavailable or the page is over :mod:`lms.pdf`'s limits.
    """
    shown = portfolios.items_for(portfolio, owner=False)
    resources: dict[str, tuple[bytes, str]] = {}
    entries = []
    for item in shown[:ITEMS_MAX]:
        picture = _picture(item)
        if picture is not None:
            resources[f"picture-{item.id}"] = (picture, "image/jpeg")
        entries.append((item, {"poster": f"{pdf.RESOURCE_SCHEME}picture-{item.id}"} if picture else {}))
    codes = credential_codes(portfolio)
    for code in codes:
        resources[code.resource] = (qr_png(code.credential.url), "image/png")
    locale = str(get_locale() or "ko")
    html = render_template(
        "projects/portfolio/pdf.html",
        portfolio=portfolio,
        entries=entries,
        left_out=len(shown) - len(entries),
        codes=codes,
        name=portfolio.owner.name,
        korean=portfolios.korean_shown(portfolio),
        regions=portfolios.REGIONS,
        verify_url=public_url(current_app.config) + url_for("credentials.verify_page"),
        lang=html_lang(locale),
        direction=text_direction(locale),
    )
    css = render_template("projects/portfolio/pdf.css")
    title = f"{portfolio.owner.name} · {_('Portfolio')}"
    data = pdf.render_pdf(html, resources=resources, stylesheets=(css,), title=title, lang=html_lang(locale))
    log.info("portfolio %s: PDF of %s items, %s bytes", portfolio.id, len(entries), len(data))
    filename = f"portfolio-{zip_part_name(portfolio.owner.name).replace(' ', '-') or portfolio.id}.pdf"
    return data, filename.encode("ascii", "ignore").decode()
