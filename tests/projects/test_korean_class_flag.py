"""The Korean-class flag of a session (issue 16, item 5): Korean-class hours follow the flag staff set, not
words in a topic or programme; the forms, the timetable and the API carry it; the upgrade flags the sessions
the old word rule counted, so nobody's hours change."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.db import utcnow
from projects.attendance import marks, services
from projects.korean.services import korean_hours
from tests.lms import test_migrations
from tests.lms.test_bilingual_names import _insert
from tests.projects.test_api import bearer
from tests.projects.test_attendance import EN, course, session_at  # noqa: F401  (fixture)

BEFORE, MIGRATION = "b1d1c2d3e4f5", "b1e1c2d3e4f5"

#: The test app with its tables dropped, so migrations start from nothing.
empty_app = test_migrations.empty_app


def held(db, course, topic: str, *, korean: bool, days: int, hours: int = 2, mark: str = "present"):  # noqa: F811
    """A session *days* ago with *topic*, flagged or not, where the first trainee got *mark*."""
    training = session_at(db, course["cohort"], utcnow() - timedelta(days=days), hours=hours)
    training.topic, training.korean = topic, korean
    marks.mark_trainee(training, course["trainees"][0], mark, by=course["instructor"], reason="Test")
    db.session.commit()
    return training


def test_korean_class_hours_follow_the_flag_only(app, db, course):  # noqa: F811
    trainee = course["trainees"][0]
    held(db, course, "Korean subtitles", korean=False, days=5, hours=3)  # a video class: not Korean
    held(db, course, "TOPIK 읽기", korean=True, days=4, hours=2)  # a Korean class without the word
    held(db, course, "한국어 회화", korean=True, days=3, hours=1, mark="late")
    held(db, course, "한국어 쓰기", korean=True, days=2, hours=4, mark="absent")
    assert korean_hours(trainee.id) == 3.0
    assert korean_hours(course["trainees"][1].id) == 0


def test_the_forms_set_the_flag_and_the_timetable_shows_it(app, db, course, login):  # noqa: F811
    cohort, client = course["cohort"], login(course["instructor"])
    url = f"/attendance/cohorts/{cohort.id}/timetable"
    form = client.get(url, headers=EN).get_data(as_text=True)
    assert 'name="korean"' in form and "Attended hours count as Korean-class hours." in form
    pattern = {"starts": "14:00", "ends": "16:00", "topic": "TOPIK 읽기", "instructor_id": "0"}
    assert client.post(url, data={**pattern, "weekdays": ["4"], "korean": "y"}).status_code == 302
    assert (
        client.post(url, data={**pattern, "weekdays": ["2"], "topic": "Korean subtitles"}).status_code == 302
    )
    made = services.cohort_sessions(cohort.id)
    assert made and {s.day.weekday(): s.korean for s in made} == {4: True, 2: False}
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert page.count('<span class="badge">Korean class</span>') == sum(s.korean for s in made)

    friday = next(s for s in made if s.korean)
    edit = f"/attendance/sessions/{friday.id}/edit"
    switch = re.search(r'<input[^>]*name="korean"[^>]*>', client.get(edit).get_data(as_text=True))
    assert switch and "checked" in switch[0] and 'aria-describedby="korean-hint"' in switch[0]
    fields = {"day": friday.day.isoformat(), "starts": "14:00", "ends": "16:00", "instructor_id": "0"}
    assert client.post(edit, data={**fields, "topic": "TOPIK 읽기"}).status_code == 302
    db.session.refresh(friday)
    assert friday.korean is False  # an unticked box unflags
    assert client.post(edit, data={**fields, "topic": "TOPIK 읽기", "korean": "y"}).status_code == 302
    db.session.refresh(friday)
    assert friday.korean is True


def test_the_api_shows_the_flag_and_a_partial_change_keeps_it(client, db, course):  # noqa: F811
    training = held(db, course, "TOPIK 읽기", korean=True, days=1)
    url = f"/api/v1/attendance/sessions/{training.id}"
    trainee = bearer(db, course["trainees"][0])
    assert client.get(url, headers=trainee).get_json()["korean"] is True

    staff = bearer(db, course["instructor"], "read write")
    moved = client.patch(url, json={"room": "B2", "topic": "TOPIK 쓰기"}, headers=staff)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["korean"] is True and moved.get_json()["room"] == "B2"
    db.session.refresh(training)
    assert training.korean is True and training.topic == "TOPIK 쓰기"
    assert korean_hours(course["trainees"][0].id) == 2.0

    later = client.patch(url, json={"starts": "15:00", "ends": "18:30"}, headers=staff)
    assert (
        later.status_code == 200 and later.get_json()["hours"] == 3.5 and later.get_json()["korean"] is True
    )
    assert client.patch(url, json={"starts": "25:00"}, headers=staff).status_code == 422
    assert korean_hours(course["trainees"][0].id) == 3.5

    cleared = client.patch(url, json={"korean": False}, headers=staff)
    assert cleared.status_code == 200 and cleared.get_json()["korean"] is False
    db.session.refresh(training)
    assert training.korean is False and training.room == "B2" and training.topic == "TOPIK 쓰기"
    assert korean_hours(course["trainees"][0].id) == 0

    refused = client.patch(
        url, json={"korean": True}, headers=bearer(db, course["trainees"][0], "read write")
    )
    assert refused.status_code == 404
    outsider = bearer(db, course["other_instructor"], "read write")
    assert client.patch(url, json={"korean": "maybe"}, headers=outsider).status_code == 404
    assert client.patch(url, json={"korean": "maybe"}, headers=staff).status_code == 422
    db.session.refresh(training)
    assert training.korean is False


def test_the_upgrade_flags_what_the_word_rule_counted(empty_app, db):
    upgrade(revision=BEFORE)
    start = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)
    with db.engine.begin() as conn:

        def cohort_of(code: str, name_ko: str, name_en: str) -> int:
            programme = _insert(conn, "programmes", code=code, name_ko=name_ko, name_en=name_en)
            term = {"start_date": date(2026, 9, 1), "end_date": date(2027, 2, 1)}
            return _insert(conn, "cohorts", programme_id=programme, code="2026-2", **term)

        video = cohort_of("AIVIDEO", "AI 영상", "AI video")
        korean = cohort_of("KLS", "한국어와 정착 지원", "Language and settlement")

        def session(cohort: int, topic: str) -> int:
            nonlocal start
            start += timedelta(days=1)
            times = {"day": start.date(), "starts_at": start, "ends_at": start + timedelta(hours=2)}
            return _insert(
                conn, "projects_sessions", cohort_id=cohort, topic=topic, secret="ab" * 32, **times
            )

        flagged = {
            session(video, "한국어 회화"): True,
            session(video, "KOREAN for work"): True,
            session(video, "Korean subtitles"): True,  # the old rule counted it: the hours stay
            session(video, "TOPIK 읽기"): False,
            session(video, ""): False,
            session(korean, "Daily life"): True,  # a Korean programme's class
        }

    upgrade(revision=MIGRATION)
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, korean FROM projects_sessions")).fetchall()
    assert {row[0]: bool(row[1]) for row in rows} == flagged

    downgrade(revision=BEFORE)
    assert "korean" not in {c["name"] for c in inspect(db.engine).get_columns("projects_sessions")}
