"""The caption editor: rows to WebVTT and back, saving checked as an upload, problems shown on their rows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from media import caption_editor, caption_services
from media.caption_editor import Row
from media.captions import parse_vtt
from media.models import CaptionKind, CaptionSource, CaptionTrack

VTT = "WEBVTT\n\n00:00.000 --> 00:00.400\n하나\n\n00:00.400 --> 00:00.900 line:10%\n둘 <i>셋</i>\n"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1:02.5", 62.5),
        ("01:02.500", 62.5),
        ("1:01:02,5", 3662.5),
        ("62.5", 62.5),
        ("0", 0.0),
        ("00:00:00.000", 0.0),
        ("1:60", None),
        ("1:75:00", None),
        ("abc", None),
        ("", None),
        ("-1", None),
        ("1e3", None),
    ],
)
def test_times_as_people_type_them(typed, value):
    assert caption_editor.seconds(typed) == value


def test_rows_round_trip_and_keep_positions():
    rows = caption_editor.rows_from_vtt(VTT)
    assert [(r.start, r.end, r.text, r.settings) for r in rows] == [
        ("00:00:00.000", "00:00:00.400", "하나", ""),
        ("00:00:00.400", "00:00:00.900", "둘 <i>셋</i>", "line:10%"),
    ]
    again = parse_vtt(caption_editor.build_vtt(rows))
    assert again.ok and [(c.start, c.end, c.text, c.settings) for c in again.cues] == [
        (0.0, 0.4, "하나", ""),
        (0.4, 0.9, "둘 <i>셋</i>", "line:10%"),
    ]


def test_rows_are_sorted_blank_rows_dropped_and_lines_kept():
    rows = [Row("0:02", "0:03", "b"), Row("", "", "  "), Row("0:00.5", "0:01", "a\r\n\r\n두 줄")]
    text = caption_editor.build_vtt(rows)
    assert [r.text for r in rows] == ["a\r\n\r\n두 줄", "b"]
    assert text.split("\n")[rows[0].line - 1] == "00:00:00.500 --> 00:00:01.000"
    assert text.split("\n")[rows[1].line - 1] == "00:00:02.000 --> 00:00:03.000"
    assert "a\n두 줄\n" in text  # a blank line would have ended the cue
    assert caption_editor.row_number(rows, rows[1].line) == 2
    assert caption_editor.row_number(rows, rows[1].line + 1) == 2
    assert caption_editor.row_number(rows, None) is None


@pytest.fixture
def film(upload, media, db):
    """A trainee's checked film with one Korean track; returns (media, track)."""
    m = upload(media["h264_aac.mp4"])
    track = caption_services.add_track(
        m, m.owner, io.BytesIO(VTT.encode()), filename="ko.vtt", language="ko", kind=CaptionKind.SUBTITLES
    )
    db.session.commit()
    return m, track


def _form(rows, remove=()):
    data = {"row": [], "start": [], "end": [], "text": [], "settings": [], "remove": list(remove)}
    for i, (start, end, text) in enumerate(rows, start=1):
        data["row"].append(str(i))
        data["start"].append(start)
        data["end"].append(end)
        data["text"].append(text)
        data["settings"].append("")
    return data


def test_the_owner_retimes_adds_and_removes(client, login, film, db):
    m, track = film
    login(m.owner)
    page = client.get(f"/media/{m.id}/captions/{track.id}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "caption_editor.js" in html
    assert 'value="00:00:00.400"' in html and "둘 &lt;i&gt;셋&lt;/i&gt;" in html  # cue text is escaped
    r = client.post(
        f"/media/{m.id}/captions/{track.id}/edit",
        data=_form(
            [("0:00.1", "0:00.4", "하나"), ("0:00.4", "0:00.9", "둘"), ("0:00.9", "0:01", "넷")], remove=["2"]
        ),
    )
    assert r.status_code == 302
    db.session.expire_all()
    track = db.session.get(CaptionTrack, track.id)
    cues = parse_vtt(track.vtt).cues
    assert [(c.start, c.end, c.text) for c in cues] == [(0.1, 0.4, "하나"), (0.9, 1.0, "넷")]
    assert track.cue_count == 2 and track.source is CaptionSource.EDITED and not track.needs_review


@pytest.mark.parametrize(
    "rows",
    [
        [("0:00.5", "0:00.2", "거꾸로")],
        [("0:00", "0:00.5", "<script>alert(1)</script>")],
        [("0:00", "0:00.6", "a"), ("0:00.3", "0:00.8", "b")],
        [("soon", "0:00.5", "a")],
        [("0:00", "9:00", "past the end of the film")],
        [("0:00", "0:00.5", "x" * 500)],
    ],
)
def test_bad_edits_are_refused_on_their_row(client, login, film, db, rows):
    m, track = film
    before = track.vtt
    login(m.owner)
    r = client.post(f"/media/{m.id}/captions/{track.id}/edit", data=_form(rows))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert "<script>alert(1)</script>" not in html
    db.session.expire_all()
    assert db.session.get(CaptionTrack, track.id).vtt == before


def test_only_who_may_edit_the_tracks_opens_the_editor(app, client, login, film, make_user, db):
    m, track = film
    stranger = make_user("trainee")
    login(stranger)
    assert client.get(f"/media/{m.id}/captions/{track.id}/edit").status_code == 404
    r = client.post(f"/media/{m.id}/captions/{track.id}/edit", data=_form([("0:00", "0:00.5", "x")]))
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(CaptionTrack, track.id).cue_count == 2


def test_a_form_with_missing_fields_is_refused(client, login, film):
    m, track = film
    login(m.owner)
    data = _form([("0:00", "0:00.5", "x")])
    data["end"] = []
    assert client.post(f"/media/{m.id}/captions/{track.id}/edit", data=data).status_code == 400


@pytest.mark.e2e
def test_the_editor_on_a_phone(browser, client, login, film, media, db):
    """The real page and script in a phone-sized Chromium: split, add, remove, take a time from the player,
    play a line; what the form then sends saves through the same route."""
    from urllib.parse import parse_qs

    from lms.security import CSP

    origin = "https://gongbang.test"
    m, track = film
    login(m.owner)
    html = client.get(f"/media/{m.id}/captions/{track.id}/edit").get_data(as_text=True)
    script = Path(caption_editor.__file__).parent / "static" / "media" / "caption_editor.js"
    posted = []

    def serve(route):
        request = route.request
        path = request.url.removeprefix(origin).split("?")[0]
        if request.method == "POST":
            posted.append(request.post_data)
            route.fulfill(status=204, body=b"")
        elif path.endswith("caption_editor.js"):
            route.fulfill(status=200, body=script.read_bytes(), headers={"Content-Type": "text/javascript"})
        elif path.endswith("preview.mp4") and "range" in request.headers:
            # Ranges make the film seekable, as the app's own file responses do.
            data = media["h264_aac.mp4"].read_bytes()
            first, _dash, last = request.headers["range"].removeprefix("bytes=").partition("-")
            end = int(last) if last else len(data) - 1
            headers = {
                "Content-Type": "video/mp4",
                "Accept-Ranges": "bytes",
                "Content-Range": f"bytes {int(first)}-{end}/{len(data)}",
            }
            route.fulfill(status=206, body=data[int(first) : end + 1], headers=headers)
        elif path.endswith("preview.mp4"):
            route.fulfill(
                status=200, body=media["h264_aac.mp4"].read_bytes(), headers={"Content-Type": "video/mp4"}
            )
        elif path == "/edit":
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP}
            route.fulfill(status=200, body=html.encode(), headers=headers)
        else:
            route.fulfill(status=404, body=b"")

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.route(f"{origin}/**", serve)
        page.goto(f"{origin}/edit")
        rows = page.locator("[data-cue-row]")
        page.locator("[data-cue-split]").first.wait_for(timeout=10_000)
        assert rows.count() == 3  # two cues and the empty new line
        assert not page.locator("[data-cue-remove]").first.is_visible()  # the button replaces the box

        page.locator("[data-cue-split]").first.tap()
        assert rows.count() == 4
        assert rows.nth(0).locator("[data-cue-end]").input_value() == "0:00.200"
        assert rows.nth(1).locator("[data-cue-start]").input_value() == "0:00.200"
        assert "2" in rows.nth(1).locator("legend").inner_text()  # "Line 2", "2번 자막"

        page.locator("[data-cue-add]").nth(2).tap()  # after the second cue
        assert rows.count() == 5
        assert rows.nth(3).locator("[data-cue-start]").input_value() == "0:00.900"
        assert page.evaluate("document.activeElement.name") == "text"
        page.keyboard.type("<b>넷</b>")
        page.locator("[data-cue-delete]").nth(4).tap()  # the empty new line
        assert rows.count() == 4

        player = f"document.getElementById('media-{m.id}')"
        page.wait_for_function(f"{player}.readyState >= 1", timeout=10_000)
        page.evaluate(f"{player}.currentTime = 0.95")
        rows.nth(3).locator("[data-cue-end]").focus()
        page.keyboard.press("Alt+E")
        assert rows.nth(3).locator("[data-cue-end]").input_value() == "0:00.950"
        rows.nth(1).locator("[data-cue-play]").tap()
        assert page.evaluate(f"{player}.currentTime") == pytest.approx(0.2, abs=0.1)

        page.locator("form[data-caption-editor] button[type=submit]").tap()
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert len(posted) == 1
    form = parse_qs(posted[0], keep_blank_values=True)
    r = client.post(f"/media/{m.id}/captions/{track.id}/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    cues = parse_vtt(db.session.get(CaptionTrack, track.id).vtt).cues
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 0.2, "하나"),
        (0.2, 0.4, ""),
        (0.4, 0.9, "둘 <i>셋</i>"),
        (0.9, 0.95, "<b>넷</b>"),
    ]


def test_tracks_are_in_the_personal_data_download(film, make_user, db):
    from media.privacy import personal_data

    m, track = film
    instructor = make_user("instructor")
    caption_services.add_track(
        m, instructor, io.BytesIO(VTT.encode()), filename="en.vtt", language="en", kind=CaptionKind.CAPTIONS
    )
    db.session.commit()
    (owner_part,) = personal_data(m.owner)
    tracks = owner_part.data["captions"]
    assert [(t["language"], t["media_id"]) for t in tracks] == [("ko", m.id), ("en", m.id)]
    assert tracks[0]["vtt"].startswith("WEBVTT") and "하나" in tracks[0]["vtt"]
    assert "created_by_id" not in tracks[0]  # who added a track to their film is someone else's data
    # The instructor's own download holds the track they wrote, on a film that is not theirs.
    (instructor_part,) = personal_data(instructor)
    assert [t["language"] for t in instructor_part.data["captions"]] == ["en"]
    assert instructor_part.data["uploads"] == []


def test_a_removed_track_sends_the_editor_back_to_the_list(client, login, film, db):
    m, track = film
    login(m.owner)
    caption_services.delete_track(track, m.owner)
    db.session.commit()
    r = client.post(f"/media/{m.id}/captions/{track.id}/edit", data=_form([("0:00", "0:00.5", "x")]))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/media/{m.id}/captions")
    assert db.session.query(CaptionTrack).count() == 0
