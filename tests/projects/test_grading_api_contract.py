"""The grading API's contract (issue 13): a client learns the version to send, PUT needs every field while
PATCH changes some, every input is bounded in the schema (and the OpenAPI document says so), and the
document describes grades as the strings they are on the wire."""

from __future__ import annotations

import pytest

from projects.grading.models import Assessment, Rubric
from tests.projects import test_marking
from tests.projects.test_api import bearer

graded_course = test_marking.graded_course  # a fixture, shared with the marking tests

FULL = {
    "status": "ready",
    "feedback": "API feedback",
    "marks": {"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
}


@pytest.fixture
def api(client, db, course, graded_course):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    return {
        "staff": bearer(db, course["instructor"], "read write"),
        "url": f"/api/v1/projects/{project.id}/submissions/{submission.id}/assessment",
        "project": project,
    }


def test_a_never_assessed_submission_reads_as_version_0_and_put_with_0_starts_it(client, db, api):
    got = client.get(api["url"], headers=api["staff"])
    assert got.status_code == 200
    assert got.get_json()["version"] == 0 and got.get_json()["status"] == "not_started"
    assert db.session.query(Assessment).count() == 0  # reading starts nothing
    saved = client.put(api["url"], headers=api["staff"], json={**FULL, "version": 0})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["grade"] == "66.70" and saved.get_json()["version"] >= 1
    again = client.put(api["url"], headers=api["staff"], json={**FULL, "version": 0})
    assert again.status_code == 409 and str(saved.get_json()["version"]) in again.get_json()["message"]


def test_stale_version_on_a_never_assessed_submission_is_a_409_not_a_crash(client, db, api):
    r = client.put(api["url"], headers=api["staff"], json={**FULL, "version": 7})
    assert r.status_code == 409 and "0" in r.get_json()["message"]
    assert db.session.query(Assessment).count() == 0


@pytest.mark.parametrize("missing", ["version", "status", "marks", "feedback"])
def test_put_needs_every_field(client, api, missing):
    body = {**FULL, "version": 0}
    body.pop(missing)
    r = client.put(api["url"], headers=api["staff"], json=body)
    assert r.status_code == 422 and missing in str(r.get_json()["errors"])


def test_patch_changes_only_what_it_is_sent(client, api):
    first = client.put(api["url"], headers=api["staff"], json={**FULL, "status": "in_progress", "version": 0})
    version = first.get_json()["version"]
    r = client.patch(api["url"], headers=api["staff"], json={"version": version, "feedback": "Better"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["feedback"] == "Better" and body["marks"]["story"]["level_id"] == "good"
    r = client.patch(
        api["url"],
        headers=api["staff"],
        json={"version": body["version"], "marks": {"story": {"level_id": "weak"}}},
    )
    assert (
        r.get_json()["marks"]["story"]["level_id"] == "weak"
        and r.get_json()["marks"]["tech"]["level_id"] == "pass"
    )
    assert (
        client.patch(api["url"], headers=api["staff"], json={"feedback": "x"}).status_code == 422
    )  # no version


@pytest.mark.parametrize(
    "body",
    [
        {**FULL, "version": 0, "feedback": "x" * 20_001},
        {**FULL, "version": 0, "marks": {"story": {"level_id": "good", "comment": "x" * 5_001}}},
        {**FULL, "version": 0, "marks": {"i" * 65: {"level_id": "good"}}},
        {**FULL, "version": 0, "marks": {f"c{i}": {} for i in range(31)}},
        {**FULL, "version": 0, "marks": {"story": {"points": "NaN"}}},
        {**FULL, "version": 0, "marks": {"story": {"points": 1e300}}},
        {**FULL, "version": 0, "status": "bogus"},
        {**FULL, "version": -1},
    ],
)
def test_over_long_or_hostile_assessment_input_is_a_422_and_nothing_is_stored(client, db, api, body):
    r = client.put(api["url"], headers=api["staff"], json=body)
    assert r.status_code == 422
    assert db.session.query(Assessment).count() == 0


def _rubric(n_criteria=1, n_levels=2, **level):
    levels = [{"name_en": f"L{j}", "points": j, **level} for j in range(n_levels)]
    return [{"title_en": f"C{i}", "levels": levels} for i in range(n_criteria)]


@pytest.mark.parametrize(
    "criteria",
    [
        _rubric(n_criteria=31),
        _rubric(n_levels=11),
        _rubric(name_en="x" * 201),
        _rubric(description_en="x" * 2_001),
        _rubric(points="1e400"),
        _rubric(points=10**9),
        [{"title_en": "C", "levels": ["x"]}],
        ["x"],
    ],
)
def test_rubric_bodies_are_bounded_by_the_schema(client, db, course, api, criteria):
    body = {"title_en": "Pitch", "programme_id": course["cohort"].programme_id, "criteria": criteria}
    r = client.post("/api/v1/projects/rubrics", headers=api["staff"], json=body)
    assert r.status_code == 422 and "errors" in r.get_json()
    assert db.session.query(Rubric).count() == 1  # the course's own


def test_rubric_put_replaces_everything_and_patch_some(client, db, course, api):
    body = {"title_en": "Pitch", "programme_id": course["cohort"].programme_id, "criteria": _rubric()}
    rid = client.post("/api/v1/projects/rubrics", headers=api["staff"], json=body).get_json()["id"]
    url = f"/api/v1/projects/rubrics/{rid}"
    partial = client.put(url, headers=api["staff"], json={"title_en": "Renamed"})
    assert partial.status_code == 422
    assert client.get(url, headers=api["staff"]).get_json()["title_en"] == "Pitch"
    r = client.patch(url, headers=api["staff"], json={"title_ko": "피치"})
    assert r.status_code == 200 and r.get_json()["title_en"] == "Pitch" and r.get_json()["version"] == 1
    whole = {"title_ko": "피치", "title_en": "Pitch 2", "criteria": _rubric(n_levels=3)}
    r = client.put(url, headers=api["staff"], json=whole)
    assert r.status_code == 200 and r.get_json()["version"] == 2
    assert len(r.get_json()["content"]["criteria"][0]["levels"]) == 3


def test_trainees_are_refused_before_the_body_is_read(client, db, course, api):
    trainee = bearer(db, course["trainees"][0], "read write")
    assert client.put(api["url"], headers=trainee, json={"version": "x"}).status_code == 404
    assert client.patch(api["url"], headers=trainee, json={}).status_code == 404
    assert client.post("/api/v1/projects/rubrics", headers=trainee, json={"criteria": []}).status_code == 403


def test_openapi_document_matches_the_wire(client, api):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assessment = schemas["Assessment"]["properties"]
    assert assessment["grade"]["type"] == "string" and assessment["penalty"]["type"] == "string"
    assert schemas["AssessmentReplace"]["properties"]["feedback"]["maxLength"] == 20_000
    assert set(schemas["AssessmentReplace"]["required"]) == {"version", "status", "marks", "feedback"}
    assert schemas["Rubric"]["properties"]["criteria"]["maxItems"] == 30
    assert schemas["Criterion"]["properties"]["levels"]["maxItems"] == 10
    assert schemas["Level"]["properties"]["name_en"]["maxLength"] == 200
    paths = spec["paths"]
    assert "patch" in paths["/api/v1/projects/{project_id}/submissions/{submission_id}/assessment"]
    assert "patch" in paths["/api/v1/projects/rubrics/{rubric_id}"]
    for name, schema in schemas.items():
        if name.startswith(("Rubric", "Criterion", "Level", "Assessment", "Mark")):
            for field, prop in schema.get("properties", {}).items():
                if prop.get("type") == "string" and not prop.get("readOnly"):
                    assert "maxLength" in prop or "enum" in prop or "pattern" in prop, (name, field)
                if prop.get("type") == "array" and not prop.get("readOnly"):
                    assert "maxItems" in prop, (name, field)
