"""Media screens: upload and check, live status, files served safely, only to those allowed."""

from __future__ import annotations

import io

import pytest

from media import signals
from media.models import MediaFile, MediaStatus


@pytest.fixture
def trainee(make_user):
    return make_user("trainee", locale="en")


def fetch(client, url, **kwargs):
    """GET *url* and close the response (file responses hold the file open until closed)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def post_file(client, path, preset="any", name=None):
    data = {"preset": preset, "file": (io.BytesIO(path.read_bytes()), name or path.name)}
    return client.post("/media/check", data=data, content_type="multipart/form-data")


def test_upload_check_and_see_the_result(client, login, trainee, media, db):
    login(trainee)
    page = client.get("/media/check").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "Check a file" in page
    r = post_file(client, media["h264_aac.mp4"])
    assert r.status_code == 302
    m = db.session.query(MediaFile).one()
    assert r.headers["Location"].endswith(f"/media/{m.id}") and m.owner_id == trainee.id
    assert m.declared_type == "video/mp4" and m.original_name == "h264_aac.mp4"
    body = client.get(f"/media/{m.id}").get_data(as_text=True)
    assert "Accepted" in body and m.sha256 in body and f"/media/{m.id}/preview.mp4" in body
    assert f"/media/{m.id}/thumbnails.vtt" in body
    status = client.get(f"/media/{m.id}/status").get_json()
    assert status["status"] == "ready" and status["done"] is True and "Accepted" in status["html"]
    listing = client.get("/media/").get_data(as_text=True)
    assert "h264_aac.mp4" in listing


def test_rejection_reasons_in_the_readers_language(client, login, make_user, media, db):
    login(make_user("trainee", locale="ko"))
    post_file(client, media["h264_silent.mp4"], preset="video_hd")
    m = db.session.query(MediaFile).one()
    assert m.status is MediaStatus.REJECTED
    body = client.get(f"/media/{m.id}").get_data(as_text=True)
    assert "소리" in body and "30" in body  # no sound; at least 30 s
    status = client.get(f"/media/{m.id}/status").get_json()
    assert any("30" in text for text in status["problems"])


def test_pending_page_polls_for_status(client, login, trainee, media, db, app):
    app.config["CELERY_ALWAYS_EAGER"] = False
    app.extensions["celery"].conf.task_always_eager = False
    sent = []
    from media import tasks

    tasks.process_upload.apply_async = lambda args=(), **kw: sent.append(args)
    try:
        login(trainee)
        post_file(client, media["photo.jpg"])
    finally:
        del tasks.process_upload.apply_async
        app.extensions["celery"].conf.task_always_eager = True
    m = db.session.query(MediaFile).one()
    assert sent == [(m.id,)] and m.status is MediaStatus.PENDING
    body = client.get(f"/media/{m.id}").get_data(as_text=True)
    assert f'data-status-url="/media/{m.id}/status"' in body and "media.js" in body
    assert client.get(f"/media/{m.id}/status").get_json() | {"html": ""} == {
        "id": m.id,
        "status": "pending",
        "done": False,
        "version": 0,
        "label": "Waiting to be checked",
        "problems": [],
        "html": "",
    }


def test_files_are_served_as_data_never_as_pages(client, login, trainee, media, db):
    login(trainee)
    post_file(client, media["h264_aac.mp4"], name="<script>x.html")
    m = db.session.query(MediaFile).one()
    poster = fetch(client, f"/media/{m.id}/poster.jpg")
    assert poster.status_code == 200 and poster.mimetype == "image/jpeg"
    assert poster.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert poster.headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(client, f"/media/{m.id}/thumbnails.vtt").mimetype == "text/vtt"
    ranged = fetch(client, f"/media/{m.id}/preview.mp4", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100  # seeking in the player
    original = fetch(client, f"/media/{m.id}/download")
    assert original.mimetype == "application/octet-stream"
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert original.data == media["h264_aac.mp4"].read_bytes()
    assert "&lt;script&gt;x.html" in client.get(f"/media/{m.id}").get_data(as_text=True)
    assert client.get(f"/media/{m.id}/display.jpg").status_code == 404  # videos have none
    assert client.get(f"/media/{m.id}/preview.webm").status_code == 404


def test_other_people_get_nothing(client, login, trainee, make_user, media, db, app):
    login(trainee)
    post_file(client, media["h264_aac.mp4"])
    m = db.session.query(MediaFile).one()
    other = app.test_client()
    login(make_user("trainee"), c=other)
    for path in ("", "/status", "/poster.jpg", "/preview.mp4", "/download"):
        assert fetch(other, f"/media/{m.id}{path}").status_code == 404, path
    assert other.post(f"/media/{m.id}/poster", data={"seconds": "1"}).status_code == 404
    anonymous = app.test_client()
    assert fetch(anonymous, f"/media/{m.id}/download").status_code == 302
    admin = app.test_client()
    login(make_user("admin"), c=admin)
    assert fetch(admin, f"/media/{m.id}/download").status_code == 200
    assert admin.post(f"/media/{m.id}/poster", data={"seconds": "1"}).status_code == 403
    assert client.post(f"/media/{m.id}/reprocess").status_code == 403


def test_plugins_can_let_others_see_a_file(client, login, trainee, make_user, media, db, app):
    login(trainee)
    post_file(client, media["photo.jpg"])
    m = db.session.query(MediaFile).one()
    instructor = make_user("instructor")

    def allow_instructor(user, media):
        return user.id == instructor.id and media.owner_id == trainee.id

    signals.media_access.connect(allow_instructor)
    try:
        staff = app.test_client()
        login(instructor, c=staff)
        assert fetch(staff, f"/media/{m.id}/display.jpg").status_code == 200
        stranger = app.test_client()
        login(make_user("instructor"), c=stranger)
        assert fetch(stranger, f"/media/{m.id}/display.jpg").status_code == 404
    finally:
        signals.media_access.disconnect(allow_instructor)


def test_owner_picks_the_poster_by_time(client, login, trainee, media, db):
    login(trainee)
    post_file(client, media["h264_aac.mp4"])
    m = db.session.query(MediaFile).one()
    before = fetch(client, f"/media/{m.id}/poster.jpg").data
    r = client.post(f"/media/{m.id}/poster", data={"seconds": "1.2"}, follow_redirects=True)
    assert "The poster is changed." in r.get_data(as_text=True)
    db.session.refresh(m)
    assert m.poster_chosen and m.poster_time == pytest.approx(1.2, abs=0.05) and m.version == 2
    assert fetch(client, f"/media/{m.id}/poster.jpg").data != before
    r = client.post(f"/media/{m.id}/poster", data={"seconds": "-3"}, follow_redirects=True)
    assert "Enter a time in seconds." in r.get_data(as_text=True)
    client.post(f"/media/{m.id}/poster", data={"auto": "1"})
    db.session.refresh(m)
    assert not m.poster_chosen


def test_admin_can_check_again(client, login, trainee, make_user, media, db, app):
    login(trainee)
    post_file(client, media["photo.jpg"])
    m = db.session.query(MediaFile).one()
    admin = app.test_client()
    login(make_user("admin"), c=admin)
    assert admin.post(f"/media/{m.id}/reprocess").status_code == 302
    db.session.refresh(m)
    assert m.attempts == 2 and m.status is MediaStatus.READY


def test_upload_over_the_limit_is_refused_and_nothing_is_kept(client, login, trainee, media, db, app):
    app.config["MEDIA_UPLOAD_MAX_BYTES"] = 10_000
    login(trainee)
    r = post_file(client, media["h264_aac.mp4"])
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)
    assert db.session.query(MediaFile).count() == 0


def test_navigation_offers_the_check_to_trainees_only(client, login, trainee, make_user, app):
    login(trainee)
    assert 'href="/media/check"' in client.get("/dashboard").get_data(as_text=True)
    employer = app.test_client()
    login(make_user("employer"), c=employer)
    assert 'href="/media/check"' not in employer.get("/dashboard").get_data(as_text=True)
