"""Training logs (issue 16, item 3): written and signed by the session's instructor, locked once signed,
corrected only with a reason as a new version with its before and after, and the administrators' list of
what is missing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.db import utcnow
from projects.attendance import logs, marks
from projects.attendance.models import TrainingLog, TrainingLogChange
from projects.common import ProjectError
from tests.projects.test_attendance import EN, count, course, session_at  # noqa: F401  (fixture)


@pytest.fixture
def past(db, course):  # noqa: F811
    return session_at(db, course["cohort"], utcnow() - timedelta(days=2))


def test_a_signed_log_changes_only_with_a_reason_as_a_new_version(app, db, course, past):  # noqa: F811
    teacher, admin = course["instructor"], course["admin"]
    entry = logs.save_log(past, topic="Cuts", content="Jump cuts", remarks="", by=teacher)
    assert entry.signed_at is None and entry.version == 1
    logs.save_log(past, topic="Cuts", content="Jump cuts and J-cuts", remarks="", by=teacher)  # a draft: free
    assert count(db, TrainingLogChange) == 0
    logs.save_log(past, topic="Cuts", content="Jump cuts and J-cuts", remarks="", by=teacher, sign=True)
    assert entry.signed_by_id == teacher.id and entry.signed_at is not None
    with pytest.raises(ProjectError) as refused:
        logs.save_log(past, topic="Cuts", content="Something else", remarks="", by=admin)
    assert refused.value.code == "reason_missing"
    # Saving the same text again is no change.
    logs.save_log(past, topic="Cuts", content="Jump cuts and J-cuts", remarks="", by=admin)
    assert entry.version == 1
    logs.save_log(past, topic="Cuts", content="L-cuts", remarks="late start", by=admin, reason="Wrong lesson")
    db.session.commit()
    assert entry.version == 2 and entry.signed_by_id == admin.id and entry.content == "L-cuts"
    (change,) = logs.history(entry)
    assert change.by_id == admin.id and change.reason == "Wrong lesson" and change.version == 2
    assert change.before == {"topic": "Cuts", "content": "Jump cuts and J-cuts", "remarks": ""}
    assert change.after == {"topic": "Cuts", "content": "L-cuts", "remarks": "late start"}
    with pytest.raises(ProjectError) as empty:
        logs.save_log(past, topic="", content="  ", remarks="", by=teacher, reason="x")
    assert empty.value.code == "log_content_missing"


def test_missing_lists_sessions_without_log_and_logs_without_attendance(app, db, course):  # noqa: F811
    cohort, teacher = course["cohort"], course["instructor"]
    now = utcnow()
    unlogged = session_at(db, cohort, now - timedelta(days=3))
    logged_unmarked = session_at(db, cohort, now - timedelta(days=2))
    complete = session_at(db, cohort, now - timedelta(days=1))
    future = session_at(db, cohort, now + timedelta(days=2))
    logs.save_log(logged_unmarked, topic="", content="Colour", remarks="", by=teacher, sign=True)
    logs.save_log(complete, topic="", content="Sound", remarks="", by=teacher, sign=True)
    marks.mark_trainee(complete, course["trainees"][0], "present", by=teacher, reason="roll sheet")
    marks.mark_trainee(unlogged, course["trainees"][0], "present", by=teacher, reason="roll sheet")
    db.session.commit()
    found = {(m.session.id, m.lacks) for m in logs.missing(now=now, cohort_id=cohort.id)}
    assert found == {(unlogged.id, "log"), (logged_unmarked.id, "attendance")}
    assert future.id not in {s for s, _ in found}


def test_log_page_for_the_instructor_only(app, db, course, past, login):  # noqa: F811
    url = f"/attendance/sessions/{past.id}/log"
    for person in (course["other_instructor"], course["trainees"][0]):
        other = login(person, c=app.test_client())
        assert other.get(url).status_code == 404
        assert other.post(url, data={"content": "x", "sign": "1"}).status_code == 404
    client = login(course["instructor"])
    assert client.get(url, headers=EN).status_code == 200
    done = client.post(url, data={"topic": "Light", "content": "Three-point light", "sign": "1"})
    assert done.status_code == 302
    assert db.session.get(TrainingLog, past.id).signed_at is not None
    refused = client.post(url, data={"topic": "Light", "content": "Changed"}, headers=EN)
    assert refused.status_code == 400 and "Give a reason." in refused.get_data(as_text=True)
    client.post(url, data={"topic": "Light", "content": "Changed", "reason": "Typo", "sign": "1"})
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Typo" in page and "v2" in page


def test_missing_page_is_for_administrators(app, db, course, past, login):  # noqa: F811
    assert login(course["instructor"], c=app.test_client()).get("/attendance/logs/missing").status_code == 403
    page = login(course["admin"]).get("/attendance/logs/missing", headers=EN).get_data(as_text=True)
    assert "No signed log" in page and date.today().year > 2000


def test_personal_data_and_anonymising_cover_attendance_and_logs(app, db, course, past):  # noqa: F811
    from lms.users.privacy import anonymise_user, personal_data
    from projects.attendance.models import AttendanceCorrection, AttendanceRecord

    teacher, trainee = course["instructor"], course["trainees"][0]
    record = marks.mark_trainee(past, trainee, "absent", by=teacher, reason="Was at the hospital")
    record.checkin_ip = "10.0.0.7"
    logs.save_log(past, topic="Sound", content="Mixing", remarks="", by=teacher, sign=True)
    db.session.commit()
    data, _files = personal_data(trainee)
    mine = data["projects"]["attendance"]
    assert [r["session_id"] for r in mine["records"]] == [past.id]
    assert "checkin_session_hash" not in mine["records"][0]
    assert mine["corrections"][0]["reason"] == "Was at the hospital"
    written, _files = personal_data(teacher)
    assert written["projects"]["attendance"]["training_logs"][0]["content"] == "Mixing"

    anonymise_user(trainee, course["admin"])
    db.session.commit()
    kept = db.session.get(AttendanceRecord, record.id)
    assert kept.mark.value == "absent" and kept.checkin_ip is None  # the hours stay countable
    assert all(c.reason == "" for c in db.session.query(AttendanceCorrection).filter_by(record_id=record.id))


def test_demo_has_a_timetable_marks_and_signed_logs(runner, db):
    from sqlalchemy import func, select

    from lms.programmes.models import Cohort, Programme
    from lms.users.models import User
    from projects.attendance.models import AttendanceRecord, TrainingSession
    from projects.korean.services import korean_hours

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, (first.output, first.exception)

    def sessions_of(programme: str) -> list[TrainingSession]:
        cohort = db.session.scalar(
            select(Cohort).join(Programme).where(Programme.code == programme, Cohort.code == "2026-2")
        )
        return list(db.session.scalars(select(TrainingSession).where(TrainingSession.cohort_id == cohort.id)))

    held, korean = sessions_of("AIVIDEO"), sessions_of("KOREAN")
    past = [s for s in held if s.ends_at <= utcnow()]
    korean_past = [s for s in korean if s.ends_at <= utcnow()]
    assert len(held) > 50 and korean and all(s.korean for s in korean)
    # The autumn cohort's Friday afternoon class is its Korean class; its weekday mornings are not.
    assert {s.day.weekday() for s in held if s.korean} == {4} and not all(s.korean for s in held)
    counts = (count(db, AttendanceRecord), count(db, TrainingLog))
    if past:  # the demo's autumn term has begun
        assert counts[0] >= len(past) + len(korean_past)
        assert counts[1] == len(past) - 1 + len(korean_past)
        assert {m.lacks for m in logs.missing()} >= {"log"}
    if any(s.korean for s in past):
        demo_trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.gongbang.kr"))
        assert korean_hours(demo_trainee.id) > 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert (count(db, AttendanceRecord), count(db, TrainingLog)) == counts
    assert db.session.scalar(select(func.count()).select_from(TrainingLogChange)) == 0
