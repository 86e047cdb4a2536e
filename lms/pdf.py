"""PDF documents from HTML, with WeasyPrint: the one place the app turns a page into a PDF.

Every PDF the app writes (a portfolio, an evidence pack) is an HTML page rendered here, never by a browser,
so the same document comes out on every machine that has the fonts.  Three rules hold for all of them:

- **Nothing is fetched.**  WeasyPrint would follow any ``<img src>`` or ``url()`` in the page, and a
  trainee's text ends up in the page: a URL there must not make the server call an internal address or read
  a local file.  The fetcher serves only ``data:`` URIs and the named *resources* the caller hands over
  (``resource:<name>``, for instance a poster or a QR code it read itself); everything else is refused.
- **Every script is drawn.**  :data:`FONT_STACK` names a font for Korean and for each interface language's
  script (Debian's ``fonts-nanum``, ``fonts-noto-core`` and ``fonts-noto-cjk``); fontconfig falls back
  letter by letter for the rest.  :func:`missing_fonts` says which are not installed, for ``lms check``.
- **It is bounded.**  The HTML and the resources have size limits; the caller also caps how many items go
  in.  Rendering takes about 0.1 s for a page and grows with pages, not with the size of any one string.

WeasyPrint needs Pango (``libpango-1.0-0``) at import time: :func:`available` says whether this machine
can render, and the routes answer with a translated error where it cannot.
"""

from __future__ import annotations

import functools
import logging
import subprocess
from collections.abc import Mapping

log = logging.getLogger(__name__)

#: The largest HTML page rendered (a 300-item portfolio's HTML is about 400 KB).
HTML_MAX = 4 * 1024 * 1024
#: The largest total of resources (posters, QR codes) one PDF may embed.
RESOURCES_MAX = 64 * 1024 * 1024
#: The scheme of a resource handed over by the caller: ``<img src="resource:poster-12">``.
RESOURCE_SCHEME = "resource:"

#: Korean first (the centre's language), then a font per script of the interface languages; Noto Sans for
#: Latin and Cyrillic.  fontconfig picks per letter, so the order matters only where fonts overlap (Han).
FONT_STACK = (
    '"Noto Sans", "NanumGothic", "Noto Sans CJK KR", "Noto Sans CJK SC", "Noto Sans Khmer", '
    '"Noto Sans Myanmar", "Noto Sans Thai", "Noto Sans Devanagari", "Noto Nastaliq Urdu", '
    '"Noto Sans Arabic", sans-serif'
)

#: The base style of every PDF: A4, the font stack, and text that wraps anywhere rather than running off
#: the page (a long URL or an unbroken Thai line).
BASE_CSS = f"""
@page {{ size: A4; margin: 16mm 14mm 18mm; }}
html {{ font-family: {FONT_STACK}; font-size: 10.5pt; line-height: 1.45; color: #111; }}
body {{ overflow-wrap: anywhere; }}
:lang(ko) {{ word-break: keep-all; }}
:lang(ur) {{ font-family: "Noto Nastaliq Urdu", "Noto Sans Arabic", {FONT_STACK}; line-height: 2; }}
img {{ max-width: 100%; }}
"""


class PdfError(RuntimeError):
    """The PDF could not be made: WeasyPrint is missing, or the page or its resources are too large."""


def _weasyprint():
    """The ``weasyprint`` module, imported without its side effect on Pillow.

    Importing it sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole process, which would make
    the media checker accept a cut-off upload as whole in any process that ever made a PDF: the flag is put
    back as it was.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


@functools.cache
def available() -> bool:
    """Whether WeasyPrint and the Pango it needs load on this machine."""
    try:
        _weasyprint()
    except (ImportError, OSError) as exc:  # OSError: Pango's shared library is absent
        log.warning("PDF rendering unavailable: %s", exc)
        return False
    return True


def missing_fonts() -> list[str]:
    """The families of :data:`FONT_STACK` that fontconfig does not know (empty when all are installed)."""
    wanted = [name.strip().strip('"') for name in FONT_STACK.split(",")][:-1]
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return wanted
    known = {family.strip() for line in listed.splitlines() for family in line.split(",")}
    return [name for name in wanted if name not in known]


def _fetcher(resources: Mapping[str, tuple[bytes, str]]):
    """A URL fetcher that serves ``data:`` URIs and *resources* only (see the module's docstring)."""
    default_url_fetcher = _weasyprint().urls.default_url_fetcher

    def fetch(url: str, *args, **kwargs):
        if url.startswith("data:"):
            return default_url_fetcher(url, *args, **kwargs)
        if url.startswith(RESOURCE_SCHEME) and url[len(RESOURCE_SCHEME) :] in resources:
            data, mime = resources[url[len(RESOURCE_SCHEME) :]]
            return {"string": data, "mime_type": mime}
        # Logged by WeasyPrint as a warning and left out of the PDF; the URL itself is not logged here.
        raise PdfError("fetching is refused")

    return fetch


def render_pdf(
    html: str,
    *,
    resources: Mapping[str, tuple[bytes, str]] | None = None,
    stylesheets: tuple[str, ...] = (),
    title: str | None = None,
    lang: str | None = None,
) -> bytes:
    """*html* as PDF bytes: :data:`BASE_CSS` then *stylesheets* (CSS text), nothing fetched.

    *resources* maps a name to ``(bytes, mime type)``, referenced in the page as ``resource:<name>``.
    *title* and *lang* go into the PDF's metadata (a screen reader announces them).  Raises
    :class:`PdfError` when rendering is unavailable or the input is over its limits.
    """
    resources = dict(resources or {})
    if len(html.encode("utf-8")) > HTML_MAX:
        raise PdfError("page too large")
    if sum(len(data) for data, _mime in resources.values()) > RESOURCES_MAX:
        raise PdfError("resources too large")
    if not available():
        raise PdfError("WeasyPrint is not available")
    weasyprint = _weasyprint()

    # No base URL: a relative link cannot resolve to a file on this machine.
    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(resources), base_url=None)
    sheets = [weasyprint.CSS(string=BASE_CSS, url_fetcher=_fetcher({}))]
    sheets += [weasyprint.CSS(string=css, url_fetcher=_fetcher(resources)) for css in stylesheets]
    rendered = document.render(stylesheets=sheets)
    if title:
        rendered.metadata.title = title
    if lang:
        rendered.metadata.lang = lang
    return rendered.write_pdf()
