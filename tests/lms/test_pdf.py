"""lms.pdf: every interface language's script drawn in a real font, nothing fetched, limits kept."""

from __future__ import annotations

import http.server
import io
import threading

import pytest
from PIL import Image

from lms import pdf

pytestmark = pytest.mark.skipif(
    not pdf.available(), reason="WeasyPrint or Pango (libpango-1.0-0) is not installed"
)
pypdf = pytest.importorskip("pypdf", reason="pypdf is a test extra")

#: A word in each interface language's script, and the font family that must draw it.
SAMPLES = {
    "ko": ("공방 포트폴리오", "Nanum"),
    "km": ("ខ្មែរ", "Khmer"),
    "my": ("ပညာ", "Myanmar"),
    "th": ("ภาษาไทย", "Thai"),
    "ne": ("नेपाली", "Devanagari"),
    "ur": ("اردو", "Nastaliq"),
    "zh_Hans": ("汉语", "CJK"),
    "mn": ("Монгол", "Noto-Sans"),
}


def _fonts(data: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_each_script_is_drawn_with_its_own_font_and_reads_back():
    missing = pdf.missing_fonts()
    if missing:
        pytest.skip(f"fonts not installed: {', '.join(missing)} (.ci/run installs them)")
    body = "".join(f'<p lang="{lang}">{word}</p>' for lang, (word, _font) in SAMPLES.items())
    data = pdf.render_pdf(f"<html><body>{body}</body></html>", title="공방", lang="ko")
    assert data.startswith(b"%PDF-")
    fonts = " ".join(_fonts(data))
    for lang, (_word, font) in SAMPLES.items():
        assert font in fonts, (lang, fonts)
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    for word in ("공방 포트폴리오", "ภาษาไทย", "Монгол", "汉语"):
        assert word in text
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == "공방"


class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_nothing_is_fetched_but_data_uris_and_named_resources(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    try:
        port = server.server_address[1]
        html = (
            f'<html><head><link rel="stylesheet" href="file://{secret}">'
            f'<style>@import url("http://127.0.0.1:{port}/import.css");</style></head><body>'
            f'<img src="http://127.0.0.1:{port}/internal.png" alt="a">'
            f'<img src="file:///etc/passwd" alt="b"><img src="resource:unknown" alt="c">'
            '<img src="resource:dot" alt="d"><p>ok</p></body></html>'
        )
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "navy").save(buffer, "PNG")
        png = buffer.getvalue()
        data = pdf.render_pdf(html, resources={"dot": (png, "image/png")})
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF-")
    assert _Recorder.paths == []
    reader = pypdf.PdfReader(io.BytesIO(data))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1  # the named resource only


def test_making_a_pdf_leaves_pillow_refusing_cut_off_images():
    """WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the media checker
    needs it off to find a cut-off upload."""
    from PIL import ImageFile

    pdf.render_pdf("<p>x</p>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_limits_are_refused_before_rendering():
    with pytest.raises(pdf.PdfError):
        pdf.render_pdf("<p>" + "x" * (pdf.HTML_MAX + 1) + "</p>")
    with pytest.raises(pdf.PdfError):
        pdf.render_pdf("<p>x</p>", resources={"big": (b"\0" * (pdf.RESOURCES_MAX + 1), "image/png")})
