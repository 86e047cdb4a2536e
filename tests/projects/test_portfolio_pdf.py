"""The portfolio as a PDF: posters, both reflections in their scripts, AI use, credential QR codes; hostile
text stays text and nothing is fetched; only the owner downloads it; a clear error
where no PDF can be made."""

from __future__ import annotations

import http.server
import io
import threading
from datetime import date

import pytest
from PIL import Image

from lms import pdf
from media.services import get_storage
from projects.completions import services as completions
from projects.credentials import services as credentials
from projects.portfolios import pdf as portfolio_pdf
from projects.portfolios import services as portfolios
from tests.projects.test_portfolios import get, published_portfolio, work  # noqa: F401  (fixture)

pypdf = pytest.importorskip("pypdf", reason="pypdf is a test extra")
needs_pdf = pytest.mark.skipif(
    not pdf.available(), reason="WeasyPrint or Pango (libpango-1.0-0) is not installed"
)

KOREAN = "가게 홍보 영상을 만들며 조명을 배웠습니다"
THAI = "ฉันได้เรียนรู้การจัดแสง"
VIETNAMESE = "Tôi đã học cách dựng phim"


def _download(client, login, user):
    login(user, c=client)
    response = get(client, "/portfolio/export.pdf")
    return response


def _reader(data: bytes):
    return pypdf.PdfReader(io.BytesIO(data))


def _text(reader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _images(reader) -> list:
    """The document's images, each once (WeasyPrint lists every image on every page's resources)."""
    return list({image.name: image for page in reader.pages for image in page.images}.values())


def _fonts(reader) -> str:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return " ".join(names)


def _poster_bytes(item) -> bytes:
    return get_storage().path(item.media.rendition("poster").storage_key).read_bytes()


def _pixels(image) -> bytes:
    return image.convert("L").tobytes()


def _credential(db, course, trainee):
    completion = completions.mark_completion(trainee, course["cohort"], date.today(), None)
    badge = credentials.issue_for_completion(completion)  # what the job runs once the completion is recorded
    db.session.commit()
    return badge


@needs_pdf
def test_pdf_holds_posters_reflections_ai_use_and_credential_codes(app, db, work, login, course):  # noqa: F811
    portfolio, item = published_portfolio(db, work)
    portfolios.update_item(item, reflection_ko=KOREAN, reflection_en=THAI)
    db.session.commit()
    badge = _credential(db, course, work["trainee"])
    client = app.test_client()
    response = _download(client, login, work["trainee"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    reader = _reader(response.get_data())
    text = _text(reader)
    assert KOREAN in text and THAI in text
    assert "Shop promo" in text
    assert "Suno (music)" in text and "the soundtrack" in text  # the AI-use disclosure
    assert "Shot planning" in text  # the competency the graded work shows, as the portfolio page shows it
    # The QR code's address is printed under it (wrapped anywhere: compare without the breaks).
    assert badge.credential["id"] in "".join(text.split())
    code, poster = _images(reader)  # the credentials come first, then the items
    stored = Image.open(io.BytesIO(_poster_bytes(item)))  # the poster rendition (re-encoded by WeasyPrint)
    assert poster.data[:3] == b"\xff\xd8\xff" and poster.image.size == stored.size
    assert _pixels(code.image) == _pixels(
        Image.open(io.BytesIO(portfolio_pdf.qr_png(badge.credential["id"])))
    )
    assert reader.metadata.title.endswith("Portfolio") and work["trainee"].name in reader.metadata.title
    if not pdf.missing_fonts():
        fonts = _fonts(reader)
        assert "Nanum" in fonts and "Thai" in fonts, fonts


@needs_pdf
def test_the_page_is_in_the_owners_language_and_reads_back_vietnamese(app, db, work, login):  # noqa: F811
    portfolio, item = published_portfolio(db, work)
    portfolios.update_item(item, reflection_en=VIETNAMESE)
    work["trainee"].locale = "vi"
    db.session.commit()
    client = app.test_client()
    reader = _reader(_download(client, login, work["trainee"]).get_data())
    assert str(reader.trailer["/Root"]["/Lang"]) == "vi"
    assert VIETNAMESE in _text(reader)
    assert not _images(reader)[1:]  # no credential yet: the poster alone


@needs_pdf
def test_a_revoked_credential_has_no_code(app, db, work, login, course):  # noqa: F811
    published_portfolio(db, work)
    badge = _credential(db, course, work["trainee"])
    credentials.revoke_badge(badge, "issued by mistake")
    db.session.commit()
    client = app.test_client()
    reader = _reader(_download(client, login, work["trainee"]).get_data())
    assert len(_images(reader)) == 1  # the poster only
    assert badge.credential["id"] not in "".join(_text(reader).split())


class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@needs_pdf
def test_hostile_reflection_is_text_and_nothing_is_fetched(app, db, work, login):  # noqa: F811
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    hostile = f'<img src="http://127.0.0.1:{port}/x"><script>alert(1)</script>'
    try:
        portfolio, item = published_portfolio(db, work)
        portfolios.update_item(
            item, reflection_en=hostile, title_en=f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s">'
        )
        db.session.commit()
        client = app.test_client()
        response = _download(client, login, work["trainee"])
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 200
    assert _Recorder.paths == []
    reader = _reader(response.get_data())
    text = "".join(_text(reader).split())
    assert "<script>alert(1)</script>" in text and f"127.0.0.1:{port}/x" in text  # shown, as typed
    assert len(_images(reader)) == 1  # the poster; the typed <img> is no image


@needs_pdf
def test_items_past_the_cap_are_named_not_rendered(app, db, work, login, monkeypatch):  # noqa: F811
    published_portfolio(db, work)
    monkeypatch.setattr(portfolio_pdf, "ITEMS_MAX", 0)
    client = app.test_client()
    reader = _reader(_download(client, login, work["trainee"]).get_data())
    text = " ".join(_text(reader).split())
    assert "Only the first 0 of 1 items" in text and "Shop promo" not in text
    assert not _images(reader)


def test_only_the_owner_downloads_their_own(app, db, work, login, monkeypatch):  # noqa: F811
    published_portfolio(db, work)
    # What each gets is decided before any rendering: no WeasyPrint needed here.
    monkeypatch.setattr(
        portfolio_pdf,
        "document",
        lambda portfolio: (b"%PDF-owner-" + str(portfolio.owner_id).encode(), "p.pdf"),
    )
    anonymous = app.test_client()
    assert get(anonymous, "/portfolio/export.pdf").status_code == 302  # to the sign-in page
    for user in (work["employer"], work["instructor"]):
        assert _download(app.test_client(), login, user).status_code == 403
    # Another trainee gets their own (empty) portfolio, never the owner's.
    theirs = _download(app.test_client(), login, work["other"])
    assert theirs.status_code == 200 and theirs.get_data() == f"%PDF-owner-{work['other'].id}".encode()


def test_without_weasyprint_a_clear_error_and_no_crash(app, db, work, login, monkeypatch):  # noqa: F811
    published_portfolio(db, work)
    monkeypatch.setattr(pdf, "available", lambda: False)
    client = app.test_client()
    response = _download(client, login, work["trainee"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/portfolio")
    page = get(client, "/portfolio").get_data(as_text=True)
    assert "The PDF cannot be made on this server right now." in page


def test_the_portfolio_page_links_the_pdf_beside_the_zip(app, db, work, login, client):  # noqa: F811
    published_portfolio(db, work)
    login(work["trainee"])
    page = get(client, "/portfolio").get_data(as_text=True)
    assert 'href="/portfolio/export.zip"' in page and 'href="/portfolio/export.pdf"' in page
