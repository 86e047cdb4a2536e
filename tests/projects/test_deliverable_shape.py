"""A brief that asks for an aspect ratio, an orientation and sound channels/sample rate: the form, the API,
the trainee's brief and the upload check."""

from __future__ import annotations

import io

import pytest

from media.models import MediaStatus
from projects.coursework import submissions
from projects.coursework.models import Deliverable
from tests.projects.test_deliverable_api import bearer

SHAPE = {
    "aspect_ratios": ["16:9", "9:16"],
    "orientation": "landscape",
    "min_audio_channels": 2,
    "max_audio_channels": 6,
    "min_sample_rate": 44100,
}


def _form(**changes):
    form = {
        "name_en": "Final cut",
        "kind": "video",
        "required": "y",
        "aspect_ratios": "16:9, 9 x 16",
        "orientation": "landscape",
        "min_audio_channels": "2",
        "max_audio_channels": "6",
        "min_sample_rate": "44100",
    }
    return {**form, **changes}


def test_the_form_saves_and_shows_the_shape_and_sound(client, db, login, course, make_project):
    project = make_project(published=False)
    d = project.deliverables[0]
    login(course["instructor"])
    url = f"/projects/{project.id}/deliverables/{d.id}/edit"
    r = client.post(url, data=_form())
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Deliverable, d.id).spec == SHAPE
    page = client.get(url).get_data(as_text=True)
    assert 'value="16:9, 9:16"' in page and 'value="44100"' in page
    assert '<option selected value="landscape">' in page or 'value="landscape" selected' in page


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aspect_ratios": "16:9, widescreen"}, "width:height"),
        ({"min_audio_channels": "0"}, "min_audio_channels"),
        ({"min_audio_channels": "6", "max_audio_channels": "2"}, "number of sound channels"),
        ({"orientation": "diagonal"}, "orientation"),
    ],
)
def test_the_form_refuses_bad_limits_and_keeps_what_was_typed(
    client, db, login, course, make_project, changes, reason
):
    project = make_project(published=False)
    d = project.deliverables[0]
    before = dict(d.spec)
    login(course["instructor"])
    r = client.post(f"/projects/{project.id}/deliverables/{d.id}/edit", data=_form(**changes))
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert reason in page
    assert 'value="Final cut"' in page  # nothing typed is lost
    db.session.expire_all()
    assert db.session.get(Deliverable, d.id).spec == before


def test_the_api_keeps_what_a_patch_does_not_send(client, db, course, make_project):
    project = make_project(published=False)
    d = project.deliverables[0]
    staff = bearer(db, course["instructor"])
    url = f"/api/v1/projects/{project.id}/deliverables/{d.id}"
    r = client.patch(url, headers=staff, json={"spec": {**SHAPE, "aspect_ratios": ["16 x 9", "9:16"]}})
    assert r.status_code == 200, r.get_json()
    assert {k: r.get_json()["spec"][k] for k in SHAPE} == SHAPE
    r = client.patch(url, headers=staff, json={"spec": {"min_sample_rate": 48000, "orientation": None}})
    spec = r.get_json()["spec"]
    assert spec["min_sample_rate"] == 48000 and "orientation" not in spec
    assert spec["aspect_ratios"] == ["16:9", "9:16"] and spec["min_audio_channels"] == 2
    r = client.patch(url, headers=staff, json={"name_en": "Festival cut"})
    assert r.get_json()["spec"]["max_audio_channels"] == 6


@pytest.mark.parametrize(
    "spec",
    [
        {"aspect_ratios": ["wide"]},
        {"aspect_ratios": "16:9"},
        {"aspect_ratios": ["0:9"]},
        {"orientation": "diagonal"},
        {"min_audio_channels": 0},
        {"min_audio_channels": 2.5},
        {"min_audio_channels": 6, "max_audio_channels": 2},
        {"min_sample_rate": 10},
    ],
)
def test_the_api_refuses_bad_limits_and_changes_nothing(client, db, course, make_project, spec):
    project = make_project(published=False)
    d = project.deliverables[0]
    before = dict(d.spec)
    r = client.patch(
        f"/api/v1/projects/{project.id}/deliverables/{d.id}",
        headers=bearer(db, course["instructor"]),
        json={"spec": spec},
    )
    assert r.status_code in (400, 422), r.get_json()
    assert r.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Deliverable, d.id).spec == before


def test_a_four_three_mono_film_is_refused_with_both_reasons(client, login, course, make_project, media, db):
    spec = {"aspect_ratios": ["16:9"], "orientation": "landscape", "min_audio_channels": 2}
    project = make_project(deliverables=[{"name_en": "Film", "kind": "video", "spec": spec}])
    trainee = course["trainees"][0]
    login(trainee)
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "aspect ratio 16:9" in page and "landscape" in page and "at least 2 sound channels" in page
    client.post(
        f"/projects/{project.id}/work/{project.deliverables[0].id}/upload",
        data={"file": (io.BytesIO(media["h264_aac.mp4"].read_bytes()), "film.mp4")},
        content_type="multipart/form-data",
    )
    item = submissions.submission_for(project, trainee).item_for(project.deliverables[0])
    assert item.media is None  # a refused file never becomes the hand-in
    film = item.candidate
    assert film.status is MediaStatus.REJECTED
    assert {p["code"] for p in film.problems} == {"aspect_ratio_not_allowed", "too_few_channels"}
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "aspect ratio is 4:3 (320×240); the brief asks for 16:9" in page
    assert "The sound is mono (1 channel); the brief asks for at least stereo (2 channels)." in page
