"""The transcript panel in a real browser: lines from the player's track, set as text, click to seek, search.

The page is the real macros' markup (``templates/media/_captions.html``) and the real script, served to
headless Chromium from a fake origin with the app's own Content-Security-Policy (no inline script).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.security import CSP

pytestmark = pytest.mark.e2e

ORIGIN = "https://gongbang.test"
SCRIPT = Path(__file__).resolve().parents[2] / "media" / "static" / "media" / "transcript.js"
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<b>안녕하세요</b> &lt;img src=x onerror=alert(1)&gt;\n\n"
    "00:00:03.000 --> 00:00:04.000\nSecond line\n\n00:00:05.000 --> 00:00:06.000\nThird 세 번째\n"
)


@pytest.fixture
def player_page(app):
    """The player with one Korean track and its transcript panel, as the macros write them."""
    from types import SimpleNamespace

    media = SimpleNamespace(id=7)
    track = SimpleNamespace(
        id=3, language="ko", kind=SimpleNamespace(value="subtitles"), label="", needs_review=False
    )
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        env = app.jinja_env
        macros = env.get_template("media/_captions.html").make_module({"current_locale": "ko"})
        tracks = str(macros.caption_tracks(media, [track]))
        panel = str(macros.transcript_panel(media, [track]))
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f'<script src="/transcript.js" defer></script></head><body>'
        f'<video id="media-7" controls muted>{tracks}</video>{panel}</body></html>'
    )


def test_transcript_lists_cues_as_text_and_seeks(browser, player_page):
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN)
        if path.startswith("/media/7/captions/3.vtt"):
            route.fulfill(status=200, body=VTT.encode(), headers={"Content-Type": "text/vtt; charset=utf-8"})
        elif path == "/transcript.js":
            route.fulfill(status=200, body=SCRIPT.read_bytes(), headers={"Content-Type": "text/javascript"})
        else:
            route.fulfill(
                status=200,
                body=player_page.encode(),
                headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP},
            )

    try:
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        lines = page.locator("[data-transcript-lines] li")
        lines.first.wait_for(timeout=10_000)
        assert lines.count() == 3
        first = lines.nth(0).inner_text()
        assert "안녕하세요" in first and "<img src=x onerror=alert(1)>" in first  # shown as text
        assert (
            page.locator("[data-transcript] img").count() == 0
            and page.locator("[data-transcript] b").count() == 0
        )
        assert page.locator("[data-transcript]").is_visible()

        page.fill("[data-transcript-search]", "세 번째")
        assert [lines.nth(i).is_visible() for i in range(3)] == [False, False, True]
        page.fill("[data-transcript-search]", "nothing like this")
        assert page.locator("[data-transcript-status]").is_visible()
        page.fill("[data-transcript-search]", "")

        lines.nth(1).locator("button").click()
        assert page.evaluate("document.getElementById('media-7').currentTime") == pytest.approx(3.0)
        assert dialogs == []
    finally:
        context.close()
