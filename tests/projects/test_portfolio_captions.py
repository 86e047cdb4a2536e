"""Captions where a portfolio's videos play: the portfolio page, its share link and the offline bundle.

A track is served with the video's rights at each door: to the portfolio's readers under the portfolio, to a
link holder under the link's token while the link works, and as a .vtt file beside index.html in the bundle.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest

from lms.db import utcnow
from media import caption_services
from media import services as media_services
from media.models import CaptionKind
from projects.portfolios import services as portfolios
from projects.portfolios.models import Visibility
from tests.projects.test_portfolios import get, published_portfolio, work  # noqa: F401  (fixture)

ORIGIN = "https://gongbang.test"
KOREAN_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕하세요 <b>여러분</b>\n"
ENGLISH_VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello, everyone\n"


def _track(db, item, language, text):
    track = caption_services.add_track(
        item.media,
        item.portfolio.owner,
        io.BytesIO(text.encode()),
        filename=f"{language}.vtt",
        language=language,
        kind=CaptionKind.SUBTITLES,
    )
    db.session.commit()
    return track


def _shared(db, world):
    """The published portfolio shared by link, with a Korean and an English track; the link's token."""
    portfolio, item = published_portfolio(db, world, Visibility.LINK)
    korean, english = _track(db, item, "ko", KOREAN_VTT), _track(db, item, "en", ENGLISH_VTT)
    link, token = portfolios.create_link(portfolio, recipient="Hanbit HR", days=7)
    db.session.commit()
    return portfolio, item, link, token, korean, english


def _tracks(html: str) -> list[dict]:
    return [dict(re.findall(r'(\w+)(?:="([^"]*)")?', tag)) for tag in re.findall(r"<track\b([^>]*)>", html)]


def test_the_share_link_page_plays_each_track_under_the_link(app, db, work, login):  # noqa: F811
    portfolio, item, link, token, korean, english = _shared(db, work)
    visitor = app.test_client()
    page = get(visitor, f"/portfolio/l/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    tracks = _tracks(page)
    assert [t["srclang"] for t in tracks] == ["en", "ko"]  # the reader's language first, and the default
    assert "default" in tracks[0] and "default" not in tracks[1]
    assert all(t["kind"] == "subtitles" for t in tracks)
    assert tracks[1]["src"] == f"/portfolio/l/{token}/items/{item.id}/captions/{korean.id}.vtt"
    assert f'data-transcript-for="media-{item.media_id}"' in page and f'id="media-{item.media_id}"' in page
    assert "media/transcript.js" in page
    served = get(visitor, tracks[1]["src"])
    assert served.status_code == 200 and served.get_data(as_text=True).startswith("WEBVTT")
    assert served.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        served.headers["Cache-Control"] == "no-store" and served.headers["Referrer-Policy"] == "no-referrer"
    )
    # A Korean reader gets the Korean track as the default.
    page = get(visitor, f"/portfolio/l/{token}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert [t["srclang"] for t in _tracks(page)] == ["ko", "en"] and "default" in _tracks(page)[0]


def test_a_stopped_or_expired_link_stops_its_tracks(app, db, work, login):  # noqa: F811
    portfolio, item, link, token, korean, english = _shared(db, work)
    url = f"/portfolio/l/{token}/items/{item.id}/captions/{korean.id}.vtt"
    visitor = app.test_client()
    assert get(visitor, url).status_code == 200
    portfolios.revoke_link(link)
    db.session.commit()
    assert get(visitor, url).status_code == 404
    later, token2 = portfolios.create_link(portfolio, recipient="Later", days=1)
    db.session.commit()
    url2 = f"/portfolio/l/{token2}/items/{item.id}/captions/{korean.id}.vtt"
    assert get(visitor, url2).status_code == 200
    later.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert get(visitor, url2).status_code == 404


def test_a_track_of_another_video_or_an_unshown_item_is_refused(app, db, work, media):  # noqa: F811
    portfolio, item, link, token, korean, english = _shared(db, work)
    visitor = app.test_client()
    # Another file's track, asked for under this item: the ids are checked against the item's video.
    theirs = media_services.register_upload(
        work["other"],
        io.BytesIO(media["image.png"].read_bytes()),
        filename="x.png",
        declared_type="image/png",
    )
    db.session.flush()
    other_track = caption_services.add_track(
        theirs,
        work["other"],
        io.BytesIO(ENGLISH_VTT.encode()),
        filename="x.vtt",
        language="en",
        kind=CaptionKind.SUBTITLES,
    )
    db.session.commit()
    assert (
        get(visitor, f"/portfolio/l/{token}/items/{item.id}/captions/{other_track.id}.vtt").status_code == 404
    )
    assert get(visitor, f"/portfolio/l/{token}/items/{item.id}/captions/999999.vtt").status_code == 404
    # Hidden again: the link serves neither the video nor its tracks.
    portfolios.set_published(item, False)
    db.session.commit()
    assert get(visitor, f"/portfolio/l/{token}/items/{item.id}/captions/{korean.id}.vtt").status_code == 404


def test_the_portfolio_page_serves_tracks_to_its_readers(app, db, work, login):  # noqa: F811
    portfolio, item, link, token, korean, english = _shared(db, work)
    employer = app.test_client()
    login(work["employer"], c=employer)
    page = get(employer, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    src = f"/portfolio/{portfolio.id}/items/{item.id}/captions/{english.id}.vtt"
    assert [t["src"] for t in _tracks(page)][0] == src  # the employer reads English
    assert "data-transcript" in page
    served = get(employer, src)
    assert served.status_code == 200 and "Hello, everyone" in served.get_data(as_text=True)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    # The employer may play the video here, not open the trainee's file itself.
    assert get(employer, f"/media/{item.media_id}/captions/{english.id}.vtt").status_code in (403, 404)
    outsider = app.test_client()
    login(work["other"], c=outsider)
    assert get(outsider, src).status_code == 404


def test_the_offline_bundle_carries_the_tracks(app, db, work, login, client):  # noqa: F811
    portfolio, item, link, token, korean, english = _shared(db, work)
    login(work["trainee"])
    archive = zipfile.ZipFile(io.BytesIO(get(client, "/portfolio/export.zip").get_data()))
    html = archive.read("index.html").decode()
    tracks = _tracks(html)
    assert {t["srclang"] for t in tracks} == {"ko", "en"}
    assert tracks[0]["srclang"] == "en" and "default" in tracks[0]  # the trainee's language (English) first
    for track in tracks:
        assert track["src"] in archive.namelist() and track["src"].endswith(".vtt")
        assert archive.read(track["src"]).decode().startswith("WEBVTT")
    korean_file = next(t["src"] for t in tracks if t["srclang"] == "ko")
    assert "안녕하세요" in archive.read(korean_file).decode()
    assert token not in html  # the bundle names no link


@pytest.mark.e2e
def test_the_share_link_page_builds_the_transcript_in_a_browser(app, db, work, browser):  # noqa: F811
    """The real page through the link in Chromium (every request answered by the app, as a visitor):
    the Korean track loads under the link, the transcript lists its cue as text; once the link is stopped,
    the track is refused and the transcript stays empty."""
    from playwright.sync_api import expect

    portfolio, item, link, token, korean, english = _shared(db, work)
    visitor = app.test_client()

    def serve(route):
        url = route.request.url.removeprefix(ORIGIN)
        answer = visitor.get(url, headers={"Accept-Language": "ko"})
        headers = {
            k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "set-cookie")
        }
        route.fulfill(status=answer.status_code, body=answer.get_data(), headers=headers)
        answer.close()

    context = browser.new_context()
    page = context.new_page()
    try:
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/portfolio/l/{token}")
        page.wait_for_load_state()
        lines = page.locator("[data-transcript-lines] li")
        expect(lines.first).to_be_visible(timeout=10_000)
        assert "안녕하세요 여러분" in lines.first.inner_text()  # the cue's <b> read as WebVTT, shown as text
        assert page.locator("[data-transcript-lines] b").count() == 0
        portfolios.revoke_link(link)
        db.session.commit()
        page.reload()
        page.wait_for_load_state()
        expect(page.locator("[data-link-stopped]")).to_be_visible()
        stopped = visitor.get(f"/portfolio/l/{token}/items/{item.id}/captions/{korean.id}.vtt")
        assert stopped.status_code == 404
    finally:
        context.close()
