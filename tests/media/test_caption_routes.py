"""Caption screens: add, list, serve and remove a video's tracks, with the video's own rights.

A trainee hands in a film (``hand_in_film``); its tracks are read by whoever may play the film (the owner,
the cohort's instructor, admins) and by nobody else (another trainee, another cohort's instructor: 404).
"""

from __future__ import annotations

import io

import pytest

from media.models import CaptionKind, CaptionSource, CaptionTrack
from tests.fixtures.media import ffmpeg
from tests.projects.test_marking import RUBRIC
from tests.projects.test_portfolios import work  # noqa: F401  (the fixture: a released, graded film)

GOOD_VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕하세요 <i>여러분</i>\n\n"
    "00:00:01.000 --> 00:00:02.000\nA &amp; B\n"
)


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def add(client, media_id, data: bytes | str, name="ko.vtt", language="ko", kind="subtitles", label=""):
    body = data.encode() if isinstance(data, str) else data
    return client.post(
        f"/media/{media_id}/captions",
        data={"file": (io.BytesIO(body), name), "language": language, "kind": kind, "label": label},
        content_type="multipart/form-data",
    )


@pytest.fixture
def switch(client, login):
    """``switch(user)``: sign the client out, then in as *user* (signing in over a session keeps it)."""

    def do(user):
        client.post("/auth/logout")
        return login(user)

    return do


@pytest.fixture
def film(hand_in_film):
    """The handed-in film's media file; its owner (the course's first trainee) is signed in."""
    submission = hand_in_film(RUBRIC)
    return submission.attempts[-1].items[0].media


def test_owner_adds_a_track_and_everyone_allowed_plays_it(client, switch, course, film, db, make_user):
    r = add(client, film.id, GOOD_VTT)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/media/{film.id}/captions")
    track = db.session.query(CaptionTrack).one()
    assert (track.language, track.kind, track.source, track.cue_count) == (
        "ko",
        CaptionKind.SUBTITLES,
        CaptionSource.UPLOADED,
        2,
    )
    url = f"/media/{film.id}/captions/{track.id}.vtt"
    served = client.get(url)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.get_data(as_text=True).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕하세요")
    # The owner's own page plays it, with the transcript panel.
    page = client.get(f"/media/{film.id}").get_data(as_text=True)
    assert f'src="{url}"' in page and 'srclang="ko"' in page and "data-transcript" in page

    instructor = course["instructor"]
    switch(instructor)
    assert fetch(client, url).status_code == 200
    project_id = film_project_id(db, film)
    submission_id = film_submission_id(db, film)
    grading = client.get(f"/projects/{project_id}/submissions/{submission_id}/grade").get_data(as_text=True)
    assert f'src="{url}"' in grading and "transcript.js" in grading

    for outsider in (course["trainees"][1], make_user("instructor", locale="en")):
        switch(outsider)
        assert fetch(client, url).status_code == 404
        assert fetch(client, f"/media/{film.id}/captions").status_code == 404
        assert add(client, film.id, GOOD_VTT).status_code == 404
        assert client.post(f"/media/{film.id}/captions/{track.id}/delete").status_code == 404
    assert db.session.query(CaptionTrack).count() == 1

    client.post("/auth/logout")
    assert fetch(client, url).status_code == 302  # to the sign-in page


def film_project_id(db, film):
    from projects.coursework.models import Submission

    return db.session.query(Submission).one().project_id


def film_submission_id(db, film):
    from projects.coursework.models import Submission

    return db.session.query(Submission).one().id


def test_instructor_of_the_cohort_may_add_and_remove(client, switch, course, film, db):
    switch(course["instructor"])
    assert add(client, film.id, GOOD_VTT, language="en", kind="captions").status_code == 302
    track = db.session.query(CaptionTrack).one()
    assert track.created_by_id == course["instructor"].id and track.kind is CaptionKind.CAPTIONS
    url = f"/media/{film.id}/captions/{track.id}/delete"
    r = client.post(url, follow_redirects=True)
    assert r.status_code == 200 and "The captions are removed." in r.get_data(as_text=True)
    assert db.session.query(CaptionTrack).count() == 0
    again = client.post(url, follow_redirects=True)
    assert "already removed" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, name, code, words",
    [
        (
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<script>alert(1)</script>\n",
            "x.vtt",
            "caption_markup",
            "script",
        ),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nbackwards\n", "x.vtt", "caption_end_before_start", "3"),
        ("WEBVTT\n\n00:00:00.000 --> 00:00:09.000\ntoo long\n", "x.vtt", "caption_past_end", "9"),
        (
            ("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nx\n").encode("utf-16"),
            "x.vtt",
            "caption_encoding",
            "UTF-16",
        ),
        ("<html><body>hello</body></html>", "x.vtt", "caption_signature", "WEBVTT"),
        ("1\n00:00:00,000 --> 00:00:01,00\nhi\n", "x.srt", "caption_timing", "2"),
    ],
)
def test_hostile_files_get_reasons_and_nothing_is_kept(client, film, db, data, name, code, words):
    r = add(client, film.id, data, name=name)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and f'data-code="{code}"' in page and words in page
    assert "<script>alert" not in page  # the reason names the tag, escaped
    assert db.session.query(CaptionTrack).count() == 0


def test_reasons_in_the_readers_language(client, film, db):
    # The film's owner reads Korean now; the sentence comes from the catalogue when it has one, else English.
    film.owner.locale = "ko"
    db.session.commit()
    r = add(client, film.id, "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<b>ok</b> <img src=x>\n")
    assert 'data-code="caption_markup"' in r.get_data(as_text=True)


def test_srt_is_converted_and_the_warning_shown(client, film, db):
    srt = "1\r\n00:00:00,500 --> 00:00:01,500\r\n<font color=red>Hi</font> & bye\r\n"
    r = add(client, film.id, srt.encode("utf-8-sig"), name="en.srt", language="en")
    assert r.status_code == 302
    track = db.session.query(CaptionTrack).one()
    assert track.vtt == "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHi & bye\n"
    assert [w["code"] for w in track.warnings] == ["caption_converted_srt"]
    page = client.get(f"/media/{film.id}/captions").get_data(as_text=True)
    assert "changed to WebVTT" in page


def test_the_readers_language_is_the_default_track(client, switch, course, film, db):
    add(client, film.id, GOOD_VTT, language="vi")
    add(client, film.id, GOOD_VTT, language="en")
    add(client, film.id, GOOD_VTT, language="ko")
    switch(course["instructor"])  # reads English
    page = client.get(f"/media/{film.id}").get_data(as_text=True)
    tracks = [line for line in page.split("<track") if "srclang" in line]
    assert 'srclang="en"' in tracks[0] and "default" in tracks[0].split(">")[0]
    assert not any("default" in t.split(">")[0] for t in tracks[1:])


def test_a_track_of_another_video_is_not_served_under_this_one(client, course, film, db, upload, media):
    add(client, film.id, GOOD_VTT)
    track = db.session.query(CaptionTrack).one()
    other = upload(media["h264_aac.mp4"])  # another trainee's video
    assert fetch(client, f"/media/{other.id}/captions/{track.id}.vtt").status_code == 404
    assert fetch(client, f"/media/{film.id}/captions/{track.id + 1000}.vtt").status_code == 404


def test_language_must_be_one_offered(client, film, db):
    r = add(client, film.id, GOOD_VTT, language="<script>")
    assert r.status_code == 200 and db.session.query(CaptionTrack).count() == 0


@pytest.fixture
def film_with_subtitles(tmp_path, media):
    """A Matroska film with a Korean SubRip stream beside its picture and sound."""
    srt = tmp_path / "ko.srt"
    srt.write_text(
        "1\n00:00:00,000 --> 00:00:00,900\n<i>안녕</i>\n\n2\n00:00:01,000 --> 00:00:01,800\n잘 가\n\n"
    )
    out = tmp_path / "film.mkv"
    ffmpeg(
        "-i", str(media["h264_aac.mp4"]), "-i", str(srt), "-map", "0", "-map", "1", "-c", "copy",
        "-c:s", "srt", "-metadata:s:s:0", "language=kor", str(out),
    )  # fmt: skip
    return out


def test_subtitles_are_taken_from_the_video(client, switch, upload, film_with_subtitles, db):
    video = upload(film_with_subtitles)
    switch(video.owner)
    page = client.get(f"/media/{video.id}/captions").get_data(as_text=True)
    assert f"/media/{video.id}/captions/extract" in page
    r = client.post(f"/media/{video.id}/captions/extract", follow_redirects=True)
    assert r.status_code == 200
    track = db.session.query(CaptionTrack).one()
    assert (track.language, track.source) == ("ko", CaptionSource.EXTRACTED)
    assert track.vtt == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n<i>안녕</i>\n\n00:00:01.000 --> 00:00:01.800\n잘 가\n"
    )


def test_a_video_without_text_streams_says_so(client, film, db):
    r = client.post(f"/media/{film.id}/captions/extract", follow_redirects=True)
    assert "no text subtitles" in r.get_data(as_text=True)
    assert db.session.query(CaptionTrack).count() == 0


def test_tracks_go_with_their_video(upload, media, db):
    from media import caption_services

    film = upload(media["h264_aac.mp4"])
    caption_services.add_track(
        film,
        film.owner,
        io.BytesIO(GOOD_VTT.encode()),
        filename="ko.vtt",
        language="ko",
        kind=CaptionKind.SUBTITLES,
    )
    db.session.commit()
    db.session.delete(film)
    db.session.commit()
    assert db.session.query(CaptionTrack).count() == 0


def test_pictures_take_no_captions(client, switch, upload, media, db):
    picture = upload(media["image.png"])
    switch(picture.owner)
    page = client.get(f"/media/{picture.id}/captions").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page
    assert add(client, picture.id, GOOD_VTT).status_code == 403
    assert db.session.query(CaptionTrack).count() == 0


def test_the_api_lists_adds_serves_and_removes_with_the_videos_rights(client, course, film, db, token_for):
    owner = token_for(film.owner, "read write")
    base = f"/api/v1/media/{film.id}/captions"
    r = client.post(base, json={"vtt": GOOD_VTT, "language": "ko"}, headers=owner)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert (made["language"], made["kind"], made["source"], made["cue_count"]) == (
        "ko",
        "subtitles",
        "uploaded",
        2,
    )
    srt = {"vtt": "1\n00:00:00,000 --> 00:00:01,000\nhi\n", "filename": "en.srt", "language": "en"}
    converted = client.post(base, json=srt, headers=owner).get_json()
    assert converted["warnings"] == ["The SRT file was changed to WebVTT."]

    listed = client.get(base, headers=token_for(course["instructor"])).get_json()
    assert [t["language"] for t in listed] == ["en", "ko"]  # the instructor reads English
    served = client.get(f"{base}/{made['id']}", headers=owner)
    assert served.status_code == 200 and served.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert served.get_data(as_text=True) == client.get(
        f"/media/{film.id}/captions/{made['id']}.vtt"
    ).get_data(as_text=True)

    stranger = token_for(course["trainees"][1], "read write")
    assert client.get(base, headers=stranger).status_code == 404
    assert client.get(f"{base}/{made['id']}", headers=stranger).status_code == 404
    assert client.delete(f"{base}/{made['id']}", headers=stranger).status_code == 404
    assert client.post(base, json={"vtt": GOOD_VTT, "language": "ko"}, headers=stranger).status_code == 404

    hostile = {
        "vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<script>alert(1)</script>\n",
        "language": "ko",
    }
    refused = client.post(base, json=hostile, headers=owner)
    body = refused.get_json()
    assert refused.status_code == 422 and "script" in body["message"] and "errors" not in body
    for tag in ("<b>", "ko\n", "korean"):
        assert client.post(base, json={"vtt": GOOD_VTT, "language": tag}, headers=owner).status_code == 422

    assert client.delete(f"{base}/{made['id']}", headers=owner).status_code == 204
    assert client.delete(f"{base}/{made['id']}", headers=owner).status_code == 204  # already gone
    assert db.session.query(CaptionTrack).count() == 1


def test_the_owners_portfolio_item_plays_the_tracks(client, login, db, work):  # noqa: F811  (the fixture)
    from sqlalchemy import select

    from media import caption_services
    from projects.portfolios.models import PortfolioItem

    login(work["trainee"])
    client.post("/portfolio/items", data={"attempt_id": work["attempt"].id})
    item = db.session.scalar(select(PortfolioItem))
    track = caption_services.add_track(
        item.media, work["trainee"], io.BytesIO(GOOD_VTT.encode()), filename="ko.vtt", language="ko",
        kind=CaptionKind.SUBTITLES,
    )  # fmt: skip
    db.session.commit()
    page = client.get(f"/portfolio/items/{item.id}").get_data(as_text=True)
    assert f'src="/media/{item.media_id}/captions/{track.id}.vtt"' in page and 'srclang="ko"' in page
