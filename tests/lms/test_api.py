"""The JSON API: tokens, scopes, one error shape, OpenAPI, per-role visibility."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.api.models import ApiToken
from lms.auth.services import hash_token
from lms.db import utcnow


def assert_error_shape(response, status):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) >= {"code", "status", "message"} and body["code"] == status
    assert isinstance(body["message"], str) and body["message"]


def test_token_is_shown_once_and_stored_hashed(client, make_user, login, db):
    user = make_user("trainee")
    login(user)
    body = client.post(
        "/account/tokens", data={"name": "script", "scope": "read", "expires_days": "30"}
    ).get_data(as_text=True)
    raw = body.split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith("gbp_") and len(raw) >= 40
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).get_json()["email"] == user.email
    )
    assert raw not in client.get("/account/tokens").get_data(as_text=True)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer gbp_nope", "Basic dXNlcjpwYXNz", "Token gbp_x"])
def test_missing_or_bad_tokens_get_401(client, header):
    r = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert_error_shape(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_disabled_tokens_stop_working(client, make_user, token_for, db):
    user = make_user("admin")
    headers = token_for(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db.session.scalar(select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401)
    token.expires_at, token.revoked_at = None, utcnow()
    db.session.commit()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401)
    other = make_user("trainee")
    headers = token_for(other)
    other.active = False
    db.session.commit()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401)


def test_session_cookies_do_not_authenticate_the_api(client, make_user, login):
    login(make_user("admin"))
    assert_error_shape(client.get("/api/v1/users"), 401)


def test_read_token_cannot_write(client, make_user, token_for):
    headers = token_for(make_user("admin"), "read")
    r = client.post(
        "/api/v1/users", json={"email": "x@example.org", "name": "X", "role": "trainee"}, headers=headers
    )
    assert_error_shape(r, 403)


def test_admin_creates_user_and_validation_errors_share_the_shape(client, make_user, token_for, outbox):
    headers = token_for(make_user("admin"), "read write")
    r = client.post(
        "/api/v1/users",
        json={"email": "new@example.org", "name": "새 훈련생", "role": "trainee"},
        headers=headers,
    )
    assert r.status_code == 201 and r.get_json()["role"] == "trainee"
    assert [m["to"] for m in outbox()] == ["new@example.org"]
    r = client.post("/api/v1/users", json={"email": "not-an-email", "role": "wizard"}, headers=headers)
    assert_error_shape(r, 422)
    assert {"email", "name", "role"} <= set(r.get_json()["errors"]["json"])
    assert_error_shape(
        client.post(
            "/api/v1/users",
            json={"email": "new@example.org", "name": "again", "role": "trainee"},
            headers=headers,
        ),
        409,
    )


def test_a_name_of_spaces_alone_is_refused_not_stored_empty(client, make_user, token_for):
    # Found by schemathesis: "\n" passed the length check, was stripped, and the answer broke its own schema.
    headers = token_for(make_user("admin"), "read write")
    r = client.post(
        "/api/v1/users",
        json={"email": "blank@example.org", "name": " \n", "role": "trainee"},
        headers=headers,
    )
    assert_error_shape(r, 422)
    assert "name" in r.get_json()["errors"]["json"]
    assert client.get("/api/v1/users?q=blank@", headers=headers).get_json() == []


def test_not_found_and_method_errors_are_json(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    assert_error_shape(client.get("/api/v1/users/9999", headers=headers), 404)
    assert_error_shape(client.get("/api/v1/nothing-here", headers=headers), 404)
    assert_error_shape(client.delete("/api/v1/me", headers=headers), 405)


@pytest.mark.parametrize("role", ["trainee", "instructor", "employer", "liaison"])
def test_user_list_is_admin_only(client, make_user, token_for, role):
    assert_error_shape(client.get("/api/v1/users", headers=token_for(make_user(role))), 403)


def test_users_paginate(client, make_user, token_for):
    admin = make_user("admin")
    for _ in range(5):
        make_user("trainee")
    r = client.get("/api/v1/users?page=2&page_size=2&role=trainee", headers=token_for(admin))
    assert r.status_code == 200 and len(r.get_json()) == 2
    assert '"total": 5' in r.headers["X-Pagination"]


def test_cohort_visibility_by_role(client, make_user, make_cohort, token_for):
    teacher, trainee = make_user("instructor"), make_user("trainee")
    mine = make_cohort(instructors=[teacher], trainees=[trainee])
    other = make_cohort()
    ids = lambda user: sorted(
        c["id"] for c in client.get("/api/v1/cohorts", headers=token_for(user)).get_json()
    )
    assert ids(teacher) == [mine.id] and ids(trainee) == [mine.id]
    assert ids(make_user("admin")) == sorted([mine.id, other.id])
    assert ids(make_user("employer")) == []
    assert_error_shape(client.get(f"/api/v1/cohorts/{other.id}", headers=token_for(teacher)), 404)
    assert_error_shape(client.get(f"/api/v1/cohorts/{mine.id}/enrolments", headers=token_for(trainee)), 403)
    enrolments = client.get(f"/api/v1/cohorts/{mine.id}/enrolments", headers=token_for(teacher)).get_json()
    assert [e["user_id"] for e in enrolments] == [trainee.id]


def test_admin_enrols_through_the_api(client, make_user, make_cohort, token_for):
    admin, trainee, teacher = make_user("admin"), make_user("trainee"), make_user("instructor")
    cohort = make_cohort()
    headers = token_for(admin, "read write")
    r = client.post(f"/api/v1/cohorts/{cohort.id}/enrolments", json={"user_id": trainee.id}, headers=headers)
    assert r.status_code == 201 and r.get_json()["status"] == "active"
    assert_error_shape(
        client.post(f"/api/v1/cohorts/{cohort.id}/enrolments", json={"user_id": teacher.id}, headers=headers),
        422,
    )


def test_disable_through_api_revokes_tokens(client, make_user, token_for):
    admin, victim = make_user("admin"), make_user("trainee")
    victim_headers = token_for(victim)
    r = client.patch(
        f"/api/v1/users/{victim.id}", json={"active": False}, headers=token_for(admin, "read write")
    )
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert_error_shape(client.get("/api/v1/me", headers=victim_headers), 401)


def test_openapi_document_is_generated(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/programmes",
        "/api/v1/cohorts",
        "/api/v1/cohorts/{cohort_id}/enrolments",
    ):
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
