"""Deliverables through the API and the form: every measure the media checker applies, partial updates."""

from __future__ import annotations

import pytest

from lms.api.services import create_token
from media.validation import DeliverableSpec
from projects.coursework.models import Deliverable

#: Every DeliverableSpec field the API takes (``kinds`` comes from the deliverable's kind).
FULL_SPEC = {
    "containers": ["mp4", "mov"],
    "codecs": ["h264", "aac"],
    "min_duration": 10.0,
    "max_duration": 60.0,
    "min_width": 1280,
    "min_height": 720,
    "max_width": 3840,
    "max_height": 2160,
    "max_pixels": 8_294_400,
    "min_fps": 23.976,
    "max_fps": 30.0,
    "max_size_bytes": 500_000_000,
    "require_audio": True,
    "aspect_ratios": ["16:9", "9:16"],
    "orientation": "landscape",
    "min_audio_channels": 2,
    "max_audio_channels": 6,
    "min_sample_rate": 44100,
}


def bearer(db, user, scopes="read write"):
    _token, raw = create_token(user, "test", scopes)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_the_api_takes_every_field_the_checker_has():
    exposed = set(FULL_SPEC) | {"kinds"}
    assert exposed == set(DeliverableSpec.__dataclass_fields__)


def test_create_read_patch_delete(client, db, course, make_project):
    project = make_project(published=False)
    staff = bearer(db, course["instructor"])
    url = f"/api/v1/projects/{project.id}/deliverables"
    r = client.post(
        url,
        headers=staff,
        json={
            "name_en": "Festival cut",
            "name_ko": "영화제 편집본",
            "kind": "video",
            "spec": FULL_SPEC,
            "captions": {"required": ["ko"], "optional": ["en", "ko"]},
        },
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["spec"] == {**FULL_SPEC, "kinds": ["video"]}
    assert body["captions"] == {"required": ["ko"], "optional": ["en"]}
    did = body["id"]
    assert [d["id"] for d in client.get(url, headers=staff).get_json()] == [project.deliverables[0].id, did]

    # Only what is sent changes; null removes one limit and keeps the others.
    r = client.patch(f"{url}/{did}", headers=staff, json={"spec": {"max_fps": None, "min_fps": 24}})
    assert r.status_code == 200, r.get_json()
    spec = r.get_json()["spec"]
    assert "max_fps" not in spec and spec["min_fps"] == 24 and spec["codecs"] == ["h264", "aac"]
    r = client.patch(f"{url}/{did}", headers=staff, json={"name_en": "Final festival cut"})
    body = r.get_json()
    assert body["name_en"] == "Final festival cut" and body["name_ko"] == "영화제 편집본"
    assert body["spec"]["min_width"] == 1280 and body["captions"]["required"] == ["ko"]
    r = client.patch(f"{url}/{did}", headers=staff, json={"captions": {"optional": None}})
    assert r.get_json()["captions"] == {"required": ["ko"]}

    assert client.get(f"{url}/{did}", headers=staff).get_json()["name_en"] == "Final festival cut"
    assert client.delete(f"{url}/{did}", headers=staff).status_code == 204
    db.session.expire_all()
    assert db.session.get(Deliverable, did) is None


@pytest.mark.parametrize(
    "payload",
    [
        {"spec": {"min_duration": 60, "max_duration": 10}},
        {"spec": {"min_fps": 60, "max_fps": 24}},
        {"spec": {"min_width": 0}},
        {"spec": {"max_size_bytes": -1}},
        {"spec": {"codecs": "h264"}},
        {"spec": {"kinds": ["image"]}},
        {"spec": {"aspect": "16:9"}},
        {"captions": {"required": ["<script>"]}},
        {"captions": {"required": ["ko"], "machine": True}},
        {"kind": "hologram"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, db, course, make_project, payload):
    project = make_project(published=False)
    d = project.deliverables[0]
    before = (dict(d.spec), dict(d.captions), d.kind)
    r = client.patch(
        f"/api/v1/projects/{project.id}/deliverables/{d.id}",
        headers=bearer(db, course["instructor"]),
        json=payload,
    )
    assert r.status_code in (400, 422), r.get_json()
    assert r.get_json()["message"]
    db.session.expire_all()
    d = db.session.get(Deliverable, d.id)
    assert (d.spec, d.captions, d.kind) == before


def test_trainees_read_but_never_write(client, db, course, make_project):
    project = make_project()
    d = project.deliverables[0]
    trainee = bearer(db, course["trainees"][0])
    url = f"/api/v1/projects/{project.id}/deliverables"
    assert client.get(url, headers=trainee).status_code == 200
    assert client.post(url, headers=trainee, json={"kind": "text", "name_en": "x"}).status_code == 404
    assert client.patch(f"{url}/{d.id}", headers=trainee, json={"name_en": "x"}).status_code == 404
    assert client.delete(f"{url}/{d.id}", headers=trainee).status_code == 404
    read_only = bearer(db, course["instructor"], "read")
    assert client.patch(f"{url}/{d.id}", headers=read_only, json={"name_en": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Deliverable, d.id).name_en == "Final cut"


def test_the_form_saves_and_shows_every_field(client, db, login, course, make_project):
    project = make_project(published=False)
    d = project.deliverables[0]
    login(course["instructor"])
    form = {
        "name_en": "Final cut",
        "kind": "video",
        "required": "y",
        "min_duration": "10",
        "max_duration": "60",
        "min_width": "1280",
        "min_height": "720",
        "max_width": "3840",
        "max_height": "2160",
        "min_fps": "23.976",
        "max_fps": "30",
        "containers": "MP4, mov",
        "codecs": "h264, aac",
        "max_size_mb": "500",
        "require_audio": "y",
        "captions_required": "ko",
        "captions_optional": "en, vi",
    }
    r = client.post(f"/projects/{project.id}/deliverables/{d.id}/edit", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    d = db.session.get(Deliverable, d.id)
    assert d.spec == {
        "containers": ["mp4", "mov"],
        "codecs": ["h264", "aac"],
        "min_duration": 10.0,
        "max_duration": 60.0,
        "min_width": 1280,
        "min_height": 720,
        "max_width": 3840,
        "max_height": 2160,
        "min_fps": 23.976,
        "max_fps": 30.0,
        "max_size_bytes": 500_000_000,
        "require_audio": True,
    }
    assert d.captions == {"required": ["ko"], "optional": ["en", "vi"]}
    page = client.get(f"/projects/{project.id}/deliverables/{d.id}/edit").get_data(as_text=True)
    for shown in (
        'value="mp4, mov"',
        'value="h264, aac"',
        'value="3840"',
        'value="23.976"',
        'value="en, vi"',
    ):
        assert shown in page, page[page.find("min_fps") - 200 : page.find("min_fps") + 300]
    r = client.post(
        f"/projects/{project.id}/deliverables/{d.id}/edit",
        data={**form, "min_fps": "60", "max_fps": "24"},
    )
    assert r.status_code == 200 and "frame rate" in r.get_data(as_text=True)


def test_trainees_read_the_whole_brief(client, db, login, course, make_project):
    spec = {
        "max_width": 1920,
        "max_height": 1080,
        "min_fps": 24,
        "max_fps": 30,
        "containers": ["mp4"],
        "codecs": ["h264"],
    }
    project = make_project(deliverables=[{"name_en": "Film", "kind": "video", "spec": spec}])
    login(course["trainees"][0])
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "at most 1920×1080" in page and "24–30 fps" in page and "MP4" in page and "H264" in page
