"""The attendance API (issue 16, item 6): sessions, marks and logs with the rights of the screens — a
trainee sees only their own marks, an instructor their cohorts', an employer nothing."""

from __future__ import annotations

from datetime import timedelta

from lms.db import utcnow
from projects.attendance import marks
from tests.projects.test_api import bearer
from tests.projects.test_attendance import course, session_at, started_today  # noqa: F401  (fixture)


def test_sessions_marks_and_logs_through_the_api(client, db, course, make_user):  # noqa: F811
    cohort, teacher = course["cohort"], course["instructor"]
    first, second = course["trainees"][:2]
    training = session_at(db, cohort, started_today(utcnow(), timedelta(hours=1)), hours=3)
    marks.mark_trainee(training, first, "present", by=teacher)
    marks.mark_trainee(training, second, "late", by=teacher)
    db.session.commit()
    base = f"/api/v1/attendance/sessions/{training.id}"

    own = bearer(db, first)
    listed = client.get("/api/v1/attendance/sessions", headers=own).get_json()
    assert training.id in [s["id"] for s in listed]
    assert client.get(base, headers=own).get_json()["cohort_id"] == cohort.id
    seen = client.get(f"{base}/marks", headers=own).get_json()
    assert [(m["user_id"], m["mark"]) for m in seen] == [(first.id, "present")]
    assert [m["user_id"] for m in client.get("/api/v1/attendance/marks", headers=own).get_json()] == [
        first.id
    ]
    assert client.get(f"{base}/log", headers=own).status_code == 404
    assert client.get(f"{base}/log", headers=bearer(db, teacher)).get_json()["version"] == 0

    staff = bearer(db, teacher, "read write")
    assert len(client.get(f"{base}/marks", headers=staff).get_json()) == 2
    put = client.put(
        f"{base}/log", json={"topic": "Edit", "content": "Cutting on action", "sign": True}, headers=staff
    )
    assert put.status_code == 200 and put.get_json()["signed_at"] and put.get_json()["version"] == 1
    refused = client.put(f"{base}/log", json={"content": "Other"}, headers=staff)
    assert refused.status_code in (400, 409, 422)
    fixed = client.put(f"{base}/log", json={"content": "Other", "reason": "Typo"}, headers=staff)
    assert fixed.get_json()["version"] == 2
    roll = client.post(f"{base}/marks", json={"user_id": first.id, "mark": "left_early"}, headers=staff)
    assert roll.status_code == 200 and roll.get_json()["mark"] == "left_early"

    for person in (course["other_instructor"], course["foreign"]):
        outsider = bearer(db, person, "read write")
        assert client.get(base, headers=outsider).status_code == 404
        assert client.get(f"{base}/marks", headers=outsider).status_code == 404
        assert client.put(f"{base}/log", json={"content": "x"}, headers=outsider).status_code == 404
    employer = bearer(db, make_user("employer"))
    assert client.get("/api/v1/attendance/sessions", headers=employer).status_code == 403
    assert client.get(base, headers=employer).status_code == 403
    assert client.get("/api/v1/attendance/marks", headers=employer).status_code == 403
