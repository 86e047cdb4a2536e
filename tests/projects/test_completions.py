"""Completion records: signed by the centre, verified publicly, and any change to them fails verification."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import date

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update

from lms.programmes.models import Enrolment, EnrolmentStatus
from projects.completions import services as completions
from projects.completions.models import Completion
from tests.projects.test_portfolios import NOTE, RUBRIC, grade, hand_in


@pytest.fixture
def graduate(app, db, course, make_project, make_user, login):
    """Trainee 0 with a released grade on one project of the cohort, and an admin."""
    from projects.grading import rubrics

    rubric = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="평가",
        title_en="Rubric",
        data=RUBRIC,
        by=course["instructor"],
    )
    project = make_project(deliverables=[NOTE], title_en="Shop promo", title_ko="가게 홍보 영상")
    rubrics.attach(project, rubric.latest)
    db.session.commit()
    submission, _attempt = hand_in(
        db, app.test_client(), login, project, course["trainees"][0], ai_used=False
    )
    grade(db, submission, course["instructor"])
    return {
        "trainee": course["trainees"][0],
        "cohort": course["cohort"],
        "admin": make_user("admin", locale="en"),
        "other": course["trainees"][1],
    }


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_admin_marks_completion_and_anyone_verifies_it(app, db, graduate, login, client):
    cohort = graduate["cohort"]
    login(graduate["admin"])
    form = client.get(f"/admin/completions/cohorts/{cohort.id}").get_data(as_text=True)
    assert graduate["trainee"].name in form
    response = client.post(
        f"/admin/completions/cohorts/{cohort.id}",
        data={"user_ids": graduate["trainee"].id, "completed_on": "2026-11-20", "confirmed": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    completion = db.session.scalar(select(Completion))
    record = completion.record
    assert record["name"] == graduate["trainee"].name and record["completed_on"] == "2026-11-20"
    assert record["programme"]["name_en"] == cohort.programme.name_en
    assert record["cohort"]["start_date"] == cohort.start_date.isoformat()
    assert [p["title_en"] for p in record["projects"]] == ["Shop promo"]
    assert not completions.has_grades(record) and record["v"] == 2  # grades were never chosen to be public
    assert record["issuer"] == app.config["CENTRE_NAME"] and record["issuer"] != "Gongbang"
    assert len(completion.code) >= 22  # >= 128 random bits
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == graduate["trainee"].id))
    assert enrolment.status is EnrolmentStatus.ACTIVE  # still sees their projects and feedback
    # Public, without signing in; a QR code of its own address.
    public = app.test_client().get(f"/verify/{completion.code}", headers={"Accept-Language": "en"})
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and 'data-verdict="valid"' in text and graduate["trainee"].name in text
    assert "<svg" in text and public.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "20 Nov 2026" in text and "2026-11-20" not in text  # the reader's date format, not ISO
    assert app.config["CENTRE_NAME"] in text and "Shop promo" in text
    assert app.test_client().get("/verify/not-a-code").status_code == 404
    # The trainee's certificate page; nobody else's.
    owner = app.test_client()
    login(graduate["trainee"], c=owner)
    page = owner.get(f"/certificates/{completion.id}").get_data(as_text=True)
    assert completion.code in page and "<svg" in page
    stranger = app.test_client()
    login(graduate["other"], c=stranger)
    assert stranger.get(f"/certificates/{completion.id}").status_code == 404
    assert (
        stranger.post(
            f"/admin/completions/cohorts/{cohort.id}",
            data={"user_ids": graduate["other"].id, "completed_on": "2026-11-20", "confirmed": "1"},
        ).status_code
        == 403
    )


def test_a_third_party_verifies_offline_with_the_published_key(app, db, graduate):
    completion = completions.mark_completion(
        graduate["trainee"], graduate["cohort"], date(2026, 11, 20), graduate["admin"]
    )
    db.session.commit()
    visitor = app.test_client()
    keys = visitor.get("/.well-known/gongbang-signing-keys.json").get_json()
    body = visitor.get(f"/verify/{completion.code}.json").get_json()
    assert body["status"] == "valid"
    jwk = next(k for k in keys["keys"] if k["kid"] == body["key_id"])
    public = Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"]))
    signed = json.dumps(body["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    public.verify(_unb64(body["signature"]), signed)  # raises if it does not verify
    altered = dict(body["record"], name="Someone Else")
    with pytest.raises(InvalidSignature):
        public.verify(
            _unb64(body["signature"]),
            json.dumps(altered, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
        )


def test_an_early_record_with_grades_verifies_but_its_grades_stay_private(app, db, graduate, login):
    """Version 1 records signed the grades: they still verify, and no public face shows the grades."""
    completion = completions.mark_completion(
        graduate["trainee"], graduate["cohort"], date(2026, 11, 20), graduate["admin"]
    )
    record = json.loads(json.dumps(completion.record))
    record["v"], record["issuer"] = 1, "Gongbang"
    for project in record["projects"]:
        project.update(grade="87.5", max_grade="100")
    key = completions.signing_key()
    completion.record = record
    completion.signature = (
        base64.urlsafe_b64encode(key.sign(completions.canonical(record))).rstrip(b"=").decode()
    )
    db.session.commit()
    assert completions.verify(completion).valid
    page = app.test_client().get(f"/verify/{completion.code}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert 'data-verdict="valid"' in text and "Shop promo" in text and "87.5" not in text
    body = app.test_client().get(f"/verify/{completion.code}.json").get_json()
    assert body["status"] == "valid" and body["redacted"] is True
    assert body["record"]["projects"][0]["title_en"] == "Shop promo" and "87.5" not in json.dumps(body)
    owner = app.test_client()
    login(graduate["trainee"], c=owner)
    assert "87.5" not in owner.get(f"/certificates/{completion.id}").get_data(as_text=True)
    # A new record is not redacted: what the JSON holds is exactly what was signed.
    db.session.delete(completion)
    db.session.commit()
    fresh = completions.mark_completion(
        graduate["trainee"], graduate["cohort"], date(2026, 11, 20), graduate["admin"]
    )
    db.session.commit()
    body = app.test_client().get(f"/verify/{fresh.code}.json").get_json()
    assert body["redacted"] is False and body["record"] == fresh.record


@pytest.mark.parametrize("change", ["name", "project", "signature", "key_id"])
def test_altering_the_stored_record_or_signature_fails_verification(app, db, graduate, change):
    completion = completions.mark_completion(
        graduate["trainee"], graduate["cohort"], date(2026, 11, 20), graduate["admin"]
    )
    db.session.commit()
    record = json.loads(json.dumps(completion.record))
    values = {}
    if change == "name":
        values["record"] = {**record, "name": record["name"] + "x"}
    elif change == "project":
        record["projects"][0]["title_en"] = "Another film"
        values["record"] = record
    elif change == "signature":
        raw = bytearray(_unb64(completion.signature))
        raw[0] ^= 1
        values["signature"] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    else:
        values["key_id"] = "0" * 16
    db.session.execute(update(Completion).where(Completion.id == completion.id).values(**values))
    db.session.commit()
    db.session.expire_all()
    assert completions.verify(db.session.get(Completion, completion.id)).status == "invalid"
    page = app.test_client().get(f"/verify/{completion.code}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert 'data-verdict="invalid"' in text and "Not valid" in text
    assert graduate["trainee"].name not in text  # an altered record's contents are not vouched for


def test_a_revoked_record_says_so(app, db, graduate, login, client):
    completion = completions.mark_completion(
        graduate["trainee"], graduate["cohort"], date(2026, 11, 20), graduate["admin"]
    )
    db.session.commit()
    login(graduate["admin"])
    refused = client.post(
        f"/admin/completions/{completion.id}/revoke", data={"reason": ""}, follow_redirects=True
    )
    assert "Give a reason." in refused.get_data(as_text=True)
    client.post(f"/admin/completions/{completion.id}/revoke", data={"reason": "Issued in error"})
    db.session.expire_all()
    assert completions.verify(db.session.get(Completion, completion.id)).status == "revoked"
    text = (
        app.test_client()
        .get(f"/verify/{completion.code}", headers={"Accept-Language": "ko"})
        .get_data(as_text=True)
    )
    assert 'data-verdict="revoked"' in text and "취소" in text
    assert app.test_client().get(f"/verify/{completion.code}.json").get_json()["status"] == "revoked"


def test_rules_for_marking_completion(db, graduate, make_cohort):
    trainee, cohort, admin = graduate["trainee"], graduate["cohort"], graduate["admin"]
    elsewhere = make_cohort()
    for args, code in [
        ((trainee, elsewhere, date(2026, 11, 20)), "not_enrolled"),
        ((trainee, cohort, date(2020, 1, 1)), "bad_date"),
        ((admin, cohort, date(2026, 11, 20)), "not_trainee"),
    ]:
        with pytest.raises(completions.ProjectError) as caught:
            completions.mark_completion(*args, admin)
        assert caught.value.code == code
    completions.mark_completion(trainee, cohort, date(2026, 11, 20), admin)
    with pytest.raises(completions.ProjectError, match="already_completed"):
        completions.mark_completion(trainee, cohort, date(2026, 11, 21), admin)


def test_the_signing_key_is_private_stable_and_outside_the_repository(app, db, graduate):
    first = completions.signing_key()
    path = completions.key_path()
    assert path.is_file() and str(path).startswith(app.instance_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert completions.key_id(completions.signing_key().public_key()) == completions.key_id(
        first.public_key()
    )
    repository = os.path.dirname(os.path.dirname(completions.__file__))
    assert not str(path).startswith(repository + os.sep + "projects")


def test_completion_api(app, db, graduate, token_for):
    admin, trainee = token_for(graduate["admin"], "read write"), token_for(graduate["trainee"], "read write")
    api = app.test_client()
    body = {
        "user_id": graduate["trainee"].id,
        "cohort_id": graduate["cohort"].id,
        "completed_on": "2026-11-20",
    }
    assert api.post("/api/v1/completions", json=body, headers=trainee).status_code == 403
    created = api.post("/api/v1/completions", json=body, headers=admin)
    assert created.status_code == 201
    data = created.get_json()
    assert (
        data["verify_url"].endswith(f"/verify/{data['code']}")
        and data["record"]["name"] == graduate["trainee"].name
    )
    assert api.post("/api/v1/completions", json=body, headers=admin).status_code == 422
    assert [c["id"] for c in api.get("/api/v1/completions", headers=trainee).get_json()] == [data["id"]]
    assert (
        api.get(f"/api/v1/completions/{data['id']}/verification", headers=trainee).get_json()["status"]
        == "valid"
    )
    other = token_for(graduate["other"])
    assert api.get(f"/api/v1/completions/{data['id']}", headers=other).status_code == 404
    assert api.get("/api/v1/completions", headers=other).get_json() == []
    revoked = api.post(f"/api/v1/completions/{data['id']}/revoke", json={"reason": "Error"}, headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_reason"] == "Error"
