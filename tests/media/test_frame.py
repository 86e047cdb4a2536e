"""The media plugin's edges: check presets accept what their labels say, and the browser's tus face answers
a missing CSRF token in the API's JSON shape."""

from __future__ import annotations

import base64
import re

import pytest

from media.forms import PRESETS
from media.validation import DeliverableSpec, validate
from tests.fixtures.users import PASSWORD

PDF_WITH_SCRIPT = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"3 0 obj << /S /JavaScript /JS (app.alert('hi')) >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

#: The kinds each preset's English label promises.
LABEL_KINDS = {"picture": "image", "image": "image", "sound": "audio", "video": "video"}


def test_any_preset_refuses_a_pdf_with_a_script(tmp_path):
    pdf = tmp_path / "brochure.pdf"
    pdf.write_bytes(PDF_WITH_SCRIPT)
    report = validate(pdf, DeliverableSpec.from_dict(PRESETS["any"][1]))
    assert not report.ok and report.codes == ["wrong_kind"], report


def test_any_preset_accepts_pictures_sound_and_video(media):
    spec = DeliverableSpec.from_dict(PRESETS["any"][1])
    for name in ("h264_aac.mp4", "tone.wav", "photo.jpg", "image.png"):
        report = validate(media[name], spec)
        assert report.ok, (name, report.problems)


@pytest.mark.parametrize("key", PRESETS)
def test_every_presets_kinds_are_what_its_label_names(app, key):
    label, spec = PRESETS[key]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = str(label).lower()
    head, _colon, terms = text.partition(":")  # "Video: 30 s to 3 min, …": the kinds, then the terms
    named = {kind for word, kind in LABEL_KINDS.items() if word in re.findall(r"[a-z]+", head)}
    assert named and set(spec.get("kinds") or ()) == named, (key, text, spec)
    assert bool(spec.get("require_audio")) == ("with sound" in terms), (key, text, spec)


def _signed_in_with_csrf(app_factory, user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    return client


def test_tus_browser_face_answers_a_missing_csrf_token_in_json(app_factory, make_user):
    client = _signed_in_with_csrf(app_factory, make_user("trainee"))
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "a.mp4", "filetype": "video/mp4", "context": "check:any"}.items()
    )
    response = client.post(
        "/media/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "10",
            "Upload-Metadata": meta,
            "Accept-Language": "en",
        },
    )
    assert response.status_code == 400 and response.mimetype == "application/json"
    answer = response.get_json()
    assert answer["code"] == 400 and answer["status"] == "Bad Request" and answer["message"]
    assert response.headers["Tus-Resumable"] == "1.0.0"
    # An HTML form without its token still gets the page.
    page = client.post("/media/check", data={})
    assert page.status_code == 400 and page.mimetype == "text/html"


@pytest.mark.parametrize("seconds", ["nan", "NaN", "sNaN", "inf", "-Infinity", "1e400"])
def test_poster_time_must_be_a_finite_number(client, login, make_user, media, db, seconds):
    from media.models import MediaFile

    login(make_user("trainee", locale="en"))
    with media["h264_aac.mp4"].open("rb") as fh:
        client.post("/media/check", data={"file": (fh, "clip.mp4"), "preset": "any"})
    m = db.session.query(MediaFile).one()
    response = client.post(f"/media/{m.id}/poster", data={"seconds": seconds}, follow_redirects=True)
    assert response.status_code == 200 and "Enter a time in seconds." in response.get_data(as_text=True)
    db.session.refresh(m)
    assert not m.poster_chosen and m.version == 1
