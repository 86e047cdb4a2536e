"""The projects API: what a token sees matches what its owner sees on the site."""

from __future__ import annotations

from datetime import timedelta

from lms.api.services import create_token
from lms.db import utcnow
from projects.coursework import submissions


def bearer(db, user, scopes="read"):
    _token, raw = create_token(user, "test", scopes)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_projects_and_submissions_through_the_api(client, db, course, make_project, make_user):
    project = make_project(deliverables=[{"name_en": "Note", "kind": "text"}])
    draft = make_project(published=False, title_en="Draft")
    a, b = course["trainees"][:2]
    for trainee in (a, b):
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text="hello")
        submissions.save_declarations(submission, ai_used=False)
        submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()

    trainee_headers = bearer(db, a)
    listed = client.get("/api/v1/projects", headers=trainee_headers).get_json()
    assert [p["id"] for p in listed] == [project.id]
    assert listed[0]["deliverables"][0]["kind"] == "text"
    assert client.get(f"/api/v1/projects/{draft.id}", headers=trainee_headers).status_code == 404
    own = client.get(f"/api/v1/projects/{project.id}/submissions", headers=trainee_headers).get_json()
    assert (
        len(own) == 1 and own[0]["user_id"] == a.id and own[0]["attempts"][0]["items"][0]["text"] == "hello"
    )
    theirs = submissions.submission_for(project, b)
    assert (
        client.get(
            f"/api/v1/projects/{project.id}/submissions/{theirs.id}", headers=trainee_headers
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/projects/{project.id}/extensions", headers=trainee_headers).status_code == 404

    staff = bearer(db, course["instructor"], "read write")
    assert len(client.get(f"/api/v1/projects/{project.id}/submissions", headers=staff).get_json()) == 2
    r = client.post(
        f"/api/v1/projects/{project.id}/extensions",
        headers=staff,
        json={
            "user_id": a.id,
            "due_at": (utcnow() + timedelta(days=3)).isoformat(),
            "reason": "Visa appointment",
        },
    )
    assert r.status_code == 201 and r.get_json()["reason"] == "Visa appointment"
    r = client.post(
        f"/api/v1/projects/{project.id}/extensions",
        headers=staff,
        json={"user_id": make_user("trainee").id, "due_at": utcnow().isoformat(), "reason": "x"},
    )
    assert r.status_code == 422 and r.get_json()["code"] == 422
    outsider = bearer(db, make_user("instructor"), "read write")
    assert client.get(f"/api/v1/projects/{project.id}", headers=outsider).status_code == 404


def test_openapi_documents_the_projects_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/projects/{project_id}/submissions" in paths
    assert "/api/v1/projects/{project_id}/extensions" in paths
