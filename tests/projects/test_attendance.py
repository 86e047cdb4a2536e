"""Timetable and attendance (issue 16, items 1 and 2): sessions from a weekly pattern with holidays skipped,
the roll call and its corrections, self check-in by a rotating code, excused absences, rates and warnings,
sessions in the calendar feed, and who may do each."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from lms.db import utcnow
from lms.notifications.models import Notification
from projects.attendance import checkin, marks, rates, services
from projects.attendance.models import (
    AttendanceCorrection,
    AttendanceRecord,
    Excuse,
    ExcuseStatus,
    Mark,
    MarkSource,
    TrainingSession,
)
from projects.common import ProjectError

EN = {"Accept-Language": "en"}


@pytest.fixture
def course(make_user, make_cohort):
    """A cohort around today with an instructor and three trainees; another cohort with its own."""
    today = date.today()
    instructor, other_instructor = make_user("instructor", locale="en"), make_user("instructor", locale="en")
    trainees = [make_user("trainee", locale="en") for _ in range(3)]
    foreign = make_user("trainee", locale="en")
    term = {"start_date": today - timedelta(days=40), "end_date": today + timedelta(days=80)}
    cohort = make_cohort(instructors=[instructor], trainees=trainees, **term)
    other = make_cohort(instructors=[other_instructor], trainees=[foreign], **term)
    return {
        "cohort": cohort,
        "other": other,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "trainees": trainees,
        "foreign": foreign,
        "admin": make_user("admin", locale="en"),
    }


def started_today(now: datetime, before: timedelta) -> datetime:
    """*before* ago, but not before today began in Seoul: a session in progress whose day is today at any
    hour the tests run (just after midnight, half an hour ago was yesterday)."""
    midnight = datetime.combine(services.local_day(now), time(0), tzinfo=services.zone()).astimezone(UTC)
    return max(now - before, midnight + timedelta(seconds=1))


def session_at(db, cohort, starts_at: datetime, hours: int = 3) -> TrainingSession:
    """A session of *cohort* starting at *starts_at* (UTC), its day in the centre's zone."""
    made = TrainingSession(
        cohort_id=cohort.id,
        day=services.local_day(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        secret="ab" * 32,
    )
    db.session.add(made)
    db.session.commit()
    return made


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# Timetable


def test_weekly_pattern_skips_holidays_and_is_idempotent(app, db, make_cohort, make_user):
    teacher = make_user("instructor")
    cohort = make_cohort(instructors=[teacher], start_date=date(2026, 9, 21), end_date=date(2026, 10, 11))
    made, skipped = services.generate_sessions(
        cohort, weekdays=range(5), starts=time(9), ends=time(13), room="301", instructor=teacher
    )
    days = [s.day for s in made]
    # Chuseok (24–26 Sep), National Foundation Day's substitute (5 Oct) and Hangul Day (9 Oct) are skipped.
    for holiday in (date(2026, 9, 24), date(2026, 9, 25), date(2026, 10, 5), date(2026, 10, 9)):
        assert holiday not in days
    assert len(days) == 15 - 4
    assert {h.day for h in skipped} >= {date(2026, 9, 24), date(2026, 10, 5)}
    first = made[0]
    assert first.starts_at == datetime(2026, 9, 21, 0, 0, tzinfo=first.starts_at.tzinfo)  # 09:00 in Seoul
    assert first.hours == 4 and services.planned_hours(made) == 44
    assert len({s.secret for s in made}) == len(made) and len(first.secret) == 64
    db.session.commit()
    again, _ = services.generate_sessions(cohort, weekdays=range(5), starts=time(9), ends=time(13))
    assert again == [] and count(db, TrainingSession) == 11


def test_an_override_holiday_is_skipped_and_a_removed_one_is_not(app, db, make_cohort, make_user):
    admin = make_user("admin")
    cohort = make_cohort(start_date=date(2026, 6, 1), end_date=date(2026, 6, 5))
    services.save_holiday(date(2026, 6, 3), closed=False, name="", by=admin)  # the election: open
    services.save_holiday(date(2026, 6, 5), closed=True, name="Centre closed", by=admin)
    made, _ = services.generate_sessions(cohort, weekdays=range(5), starts=time(9), ends=time(12))
    assert [s.day for s in made] == [date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 4)]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"starts": time(13), "ends": time(9)}, "times_order"),
        ({"first": date(2030, 1, 1)}, "outside_cohort"),
    ],
)
def test_bad_patterns_are_refused(app, make_cohort, fields, code):
    cohort = make_cohort()
    values = {"weekdays": [0], "starts": time(9), "ends": time(12)} | fields
    with pytest.raises(ProjectError) as caught:
        services.generate_sessions(cohort, **values)
    assert caught.value.code == code


def test_pattern_instructor_must_teach_the_cohort(app, course):
    with pytest.raises(ProjectError) as caught:
        services.generate_sessions(
            course["cohort"],
            weekdays=[0],
            starts=time(9),
            ends=time(12),
            instructor=course["other_instructor"],
        )
    assert caught.value.code == "not_instructor"


def test_timetable_page_makes_sessions_for_its_instructor_only(app, db, course, login, make_user):
    cohort, url = course["cohort"], f"/attendance/cohorts/{course['cohort'].id}/timetable"
    client = login(course["instructor"])
    response = client.post(
        url,
        data={"weekdays": ["0", "2"], "starts": "09:00", "ends": "12:30", "room": "A", "instructor_id": "0"},
    )
    assert response.status_code == 302
    made = services.cohort_sessions(cohort.id)
    assert made and all(s.day.weekday() in (0, 2) and s.room == "A" for s in made)
    html = client.get(url, headers=EN).get_data(as_text=True)
    assert f"{len(made)} sessions, {services.planned_hours(made)} hours planned" in html
    outsider = login(course["other_instructor"], c=app.test_client())
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, data={"weekdays": ["1"], "starts": "09:00", "ends": "10:00"}).status_code == 404
    trainee = login(course["trainees"][0], c=app.test_client())
    assert trainee.get(url).status_code == 404


def test_one_session_is_edited_and_a_marked_one_is_not_deleted(app, db, course, login):
    training = session_at(db, course["cohort"], utcnow() + timedelta(days=1))
    client = login(course["instructor"])
    day = training.day.isoformat()
    response = client.post(
        f"/attendance/sessions/{training.id}/edit",
        data={
            "day": day,
            "starts": "10:00",
            "ends": "11:30",
            "room": "B2",
            "topic": "Editing",
            "instructor_id": "0",
        },
    )
    assert response.status_code == 302
    db.session.refresh(training)
    assert training.room == "B2" and training.topic == "Editing" and training.hours == 1.5
    marks.mark_trainee(training, course["trainees"][0], "present", by=course["instructor"])
    db.session.commit()
    client.post(f"/attendance/sessions/{training.id}/delete")
    assert db.session.get(TrainingSession, training.id) is not None
    spare = session_at(db, course["cohort"], utcnow() + timedelta(days=2)).id
    assert client.post(f"/attendance/sessions/{spare}/delete").status_code == 302
    assert db.session.get(TrainingSession, spare) is None


# Roll call and corrections


def test_roll_call_on_the_day_marks_with_times(app, db, course, login):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=30)))
    first, second, third = course["trainees"]
    client = login(course["instructor"])
    url = f"/attendance/sessions/{training.id}/roll"
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert all(t.name in page for t in course["trainees"]) and course["foreign"].name not in page
    for trainee, mark in ((first, "present"), (second, "late"), (third, "absent")):
        assert client.post(url, data={"user_id": str(trainee.id), "mark": mark}).status_code == 302
    records = marks.records_of(training)
    assert records[first.id].mark is Mark.PRESENT and records[first.id].arrived_at == training.starts_at
    assert records[second.id].mark is Mark.LATE and records[second.id].arrived_at >= now
    assert records[third.id].mark is Mark.ABSENT and records[third.id].arrived_at is None
    # A second tap on the day changes the mark without a correction.
    client.post(url, data={"user_id": str(second.id), "mark": "left_early"})
    db.session.expire_all()
    assert marks.records_of(training)[second.id].mark is Mark.LEFT_EARLY
    assert marks.records_of(training)[second.id].left_at is not None
    assert count(db, AttendanceCorrection) == 0


def test_roll_call_refuses_other_cohorts_and_trainees(app, db, course, login):
    training = session_at(db, course["cohort"], utcnow())
    url = f"/attendance/sessions/{training.id}/roll"
    body = {"user_id": str(course["trainees"][0].id), "mark": "absent"}
    for person in (course["other_instructor"], course["trainees"][0]):
        client = login(person, c=app.test_client())
        assert client.get(url).status_code == 404
        assert client.post(url, data=body).status_code == 404
    # A trainee of another cohort cannot be marked in this one.
    with pytest.raises(ProjectError) as caught:
        marks.mark_trainee(training, course["foreign"], "present", by=course["instructor"])
    assert caught.value.code == "not_enrolled"
    assert count(db, AttendanceRecord) == 0


def test_a_change_after_the_day_is_a_correction_with_reason_and_history(app, db, course, login):
    training = session_at(db, course["cohort"], utcnow() - timedelta(days=2))
    trainee = course["trainees"][0]
    marks.mark_trainee(
        training, trainee, "absent", by=course["instructor"], reason="roll", now=training.starts_at
    )  # (during the session: its end may fall on the next day in the centre's zone)
    db.session.commit()
    client = login(course["instructor"])
    url = f"/attendance/sessions/{training.id}/roll"
    refused = client.post(url, data={"user_id": str(trainee.id), "mark": "present"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert marks.records_of(training)[trainee.id].mark is Mark.ABSENT  # no reason: nothing changed
    done = client.post(
        url, data={"user_id": str(trainee.id), "mark": "present", "reason": "Was at the clinic desk"}
    )
    assert done.status_code == 302
    record = marks.records_of(training)[trainee.id]
    assert record.mark is Mark.PRESENT and record.source is MarkSource.CORRECTION
    (correction,) = marks.history(training)
    assert correction.by_id == course["instructor"].id and correction.reason == "Was at the clinic desk"
    assert correction.before["mark"] == "absent" and correction.after["mark"] == "present"
    assert "Was at the clinic desk" in client.get(url, headers=EN).get_data(as_text=True)


# Self check-in


def test_check_in_with_the_live_code(app, db, course):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=5)))
    trainee = course["trainees"][0]
    code = checkin.code_at(training, now)
    assert len(code) == checkin.CODE_LENGTH and set(code) <= set(checkin.ALPHABET)
    record = checkin.check_in(trainee, code.lower(), browser_session="sid-1", ip="10.0.0.1", now=now)
    assert record.mark is Mark.PRESENT and record.source is MarkSource.CHECK_IN
    assert record.checkin_session_hash and record.checkin_session_hash != "sid-1"
    assert len(record.checkin_session_hash) == 64
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(trainee, code, browser_session="sid-1", ip=None, now=now)
    assert caught.value.code == "already_checked_in"


def test_the_code_rotates_and_lives_one_step_more(app, db, course):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=5)))
    first, second, third = course["trainees"]
    earlier = checkin.code_at(training, now - timedelta(seconds=checkin.STEP))
    stale = checkin.code_at(training, now - timedelta(seconds=3 * checkin.STEP))
    assert earlier != checkin.code_at(training, now) != stale
    checkin.check_in(first, earlier, browser_session="a", ip=None, now=now)  # scanned as it changed
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(second, stale, browser_session="b", ip=None, now=now)
    assert caught.value.code == "bad_code"
    # Another session's code (same time, other secret) is no good either.
    other = session_at(db, course["other"], now - timedelta(minutes=5))
    other.secret = "cd" * 32
    with pytest.raises(ProjectError):
        checkin.check_in(third, checkin.code_at(other, now), browser_session="c", ip=None, now=now)


def test_yesterdays_code_and_a_code_outside_the_window_do_not_work(app, db, course):
    now = utcnow()
    yesterday = session_at(db, course["cohort"], now - timedelta(days=1, minutes=5))
    trainee = course["trainees"][0]
    photo = checkin.code_at(yesterday, now - timedelta(days=1))
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(trainee, photo, browser_session="s", ip=None, now=now)
    assert caught.value.code == "no_open_session"
    later = session_at(db, course["cohort"], now + timedelta(hours=2))
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(trainee, checkin.code_at(later, now), browser_session="s", ip=None, now=now)
    assert caught.value.code == "no_open_session"
    # Today's session, yesterday's code of the same session (a photo): wrong code.
    today = session_at(db, course["cohort"], now - timedelta(minutes=1))
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(
            trainee, checkin.code_at(today, now - timedelta(days=1)), browser_session="s", ip=None, now=now
        )
    assert caught.value.code == "bad_code"


def test_a_trainee_of_another_cohort_or_staff_cannot_use_the_code(app, db, course):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=5)))
    code = checkin.code_at(training, now)
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(course["foreign"], code, browser_session="f", ip=None, now=now)
    assert caught.value.code == "no_open_session"
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(course["instructor"], code, browser_session="i", ip=None, now=now)
    assert caught.value.code == "trainees_only"


def test_check_in_past_the_grace_minutes_is_late(app, db, course):
    now = utcnow()
    training = session_at(db, course["cohort"], now - timedelta(minutes=25))
    record = checkin.check_in(
        course["trainees"][0], checkin.code_at(training, now), browser_session="x", ip=None, now=now
    )
    assert record.mark is Mark.LATE


def test_check_in_through_the_pages(app, db, course, login, client):
    training = session_at(db, course["cohort"], utcnow() - timedelta(minutes=5))
    trainee = course["trainees"][0]
    code = checkin.code_at(training, utcnow())
    scan = f"/attendance/check-in/{training.id}/{code}"
    assert client.get(scan).status_code == 302  # signed out: to the sign-in page
    login(trainee)
    page = client.get(scan, headers=EN)
    assert page.status_code == 200 and f'value="{code}"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert count(db, AttendanceRecord) == 0  # opening the link checks nobody in
    done = client.post("/attendance/check-in", data={"code": checkin.code_at(training, utcnow())}, headers=EN)
    assert done.status_code == 200 and "You are checked in" in done.get_data(as_text=True)
    record = db.session.scalar(select(AttendanceRecord))
    assert record.user_id == trainee.id and record.checkin_session_hash
    wrong = client.post("/attendance/check-in", data={"code": "AAAAAAAA"}, headers=EN)
    assert "already checked in" in wrong.get_data(as_text=True) or "wrong" in wrong.get_data(as_text=True)


def test_the_code_page_is_for_the_cohorts_instructor(app, db, course, login):
    training = session_at(db, course["cohort"], utcnow() - timedelta(minutes=5))
    client = login(course["instructor"])
    response = client.get(f"/attendance/sessions/{training.id}/code", headers=EN)
    html = response.get_data(as_text=True)
    live = {checkin.code_at(training, utcnow() - timedelta(seconds=n)) for n in (0, checkin.STEP)}
    assert response.status_code == 200 and "<svg" in html
    assert any(f"{c[:4]} {c[4:]}" in html for c in live)
    assert int(response.headers["Refresh"]) <= checkin.STEP
    assert response.headers["Cache-Control"] == "no-store"
    trainee = login(course["trainees"][0], c=app.test_client())
    assert trainee.get(f"/attendance/sessions/{training.id}/code").status_code == 404


# Excused absences


def test_excuse_with_a_document_is_approved_by_staff(app, db, course, login, media):
    training = session_at(db, course["cohort"], utcnow() - timedelta(days=1))
    trainee, mate = course["trainees"][0], course["trainees"][1]
    client = login(trainee)
    response = client.post(
        "/attendance/excuses",
        data={
            "session_id": str(training.id),
            "reason": "Hospital",
            "document": (io.BytesIO(media["image.png"].read_bytes()), "note.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    excuse = db.session.scalar(select(Excuse))
    assert excuse.status is ExcuseStatus.PENDING and excuse.media is not None
    document = f"/attendance/excuses/{excuse.id}/document"

    def fetch(c) -> int:
        response = c.get(document)
        response.close()  # a file answer holds the file open
        return response.status_code

    assert fetch(client) == 200
    assert fetch(login(mate, c=app.test_client())) == 404
    assert fetch(login(course["other_instructor"], c=app.test_client())) == 404
    # A trainee cannot decide their own request.
    assert client.post(f"/attendance/excuses/{excuse.id}/decide", data={"approve": "1"}).status_code == 404
    staff = login(course["instructor"], c=app.test_client())
    assert fetch(staff) == 200
    decided = staff.post(f"/attendance/excuses/{excuse.id}/decide", data={"approve": "1", "note": "Seen"})
    assert decided.status_code == 302
    db.session.expire_all()
    assert excuse.status is ExcuseStatus.APPROVED and excuse.decided_by_id == course["instructor"].id
    record = marks.records_of(training)[trainee.id]
    assert record.mark is Mark.EXCUSED
    (correction,) = marks.history(training)
    assert correction.after["mark"] == "excused" and correction.before["mark"] is None
    with pytest.raises(ProjectError):
        marks.decide_excuse(excuse, approve=False, by=course["instructor"])


def test_an_excuse_needs_a_reason_and_the_trainees_own_session(app, db, course):
    training = session_at(db, course["cohort"], utcnow())
    with pytest.raises(ProjectError) as caught:
        marks.request_excuse(course["trainees"][0], training, "  ")
    assert caught.value.code == "reason_missing"
    with pytest.raises(ProjectError) as caught:
        marks.request_excuse(course["foreign"], training, "Sick")
    assert caught.value.code == "not_enrolled"


# Rates and warnings


def test_rates_count_lates_and_warn_once(app, db, course):
    cohort, instructor, admin = course["cohort"], course["instructor"], course["admin"]
    first, second, third = course["trainees"]
    now = utcnow()
    # A period of the whole course: six sessions held in the past, four to come.
    services.save_rules(
        cohort.programme, grace_minutes=10, lates_per_absence=3, min_rate_percent=80, period="course"
    )
    held = [session_at(db, cohort, now - timedelta(days=d)) for d in range(12, 6, -1)]
    for d in range(1, 5):
        session_at(db, cohort, now + timedelta(days=d))
    for n, training in enumerate(held):
        when = training.ends_at
        marks.mark_trainee(training, first, "present", by=instructor, reason="-", now=when)
        marks.mark_trainee(
            training, second, "late" if n < 3 else "present", by=instructor, reason="-", now=when
        )
        if n < 2:
            marks.mark_trainee(training, third, "absent", by=instructor, reason="-", now=when)
        # Otherwise no mark for the third trainee: absent all the same, since the roll was taken.
    db.session.commit()
    by_user = {s.user.id: s.tally for s in rates.standings(cohort, now=now)}
    assert by_user[first.id].rate == 1.0
    assert by_user[second.id].absences == 1 and by_user[second.id].rate == pytest.approx(5 / 6)
    assert by_user[third.id].absences == 6 and by_user[third.id].rate == 0
    assert by_user[first.id].planned == 10 and by_user[first.id].held == 6
    assert rates.cohort_rate(rates.standings(cohort, now=now)) == pytest.approx((6 + 5 + 0) / 18)

    def notes(user):
        return db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()

    # mark_trainee warned as marks came in: the third trainee, their instructor and the admin, once each.
    # (The second trainee's three lates in the first three sessions were 67% then: warned too, once.)
    def about(user, whom):
        return [n for n in notes(user) if whom.name in n.text_en]

    assert len(notes(third)) == 1 and "attendance" in notes(third)[0].text_en.lower()
    assert len(notes(second)) == 1
    for person in (instructor, admin):
        assert len(about(person, third)) == 1 and len(about(person, second)) == 1
        assert about(person, first) == []
    assert rates.warn_if_below(third, cohort, now=now)
    assert len(notes(third)) == 1 and len(about(admin, third)) == 1  # still once per period
    assert not rates.warn_if_below(first, cohort, now=now) and notes(first) == []


def test_a_session_nobody_marked_counts_for_nobody(app, db, course):
    cohort = course["cohort"]
    session_at(db, cohort, utcnow() - timedelta(days=3))
    tally = rates.standings(cohort, period="course")[0].tally
    assert tally.held == 0 and tally.rate is None and not tally.below


def test_report_page_for_managers(app, db, course, login):
    url = f"/attendance/cohorts/{course['cohort'].id}/report"
    html = login(course["instructor"]).get(url, headers=EN).get_data(as_text=True)
    assert all(t.name in html for t in course["trainees"]) and course["foreign"].name not in html
    assert login(course["trainees"][0], c=app.test_client()).get(url).status_code == 404
    assert login(course["other_instructor"], c=app.test_client()).get(url).status_code == 404


# The trainee's week, the calendar feed, rules and holidays


def test_trainee_sees_today_and_this_week(app, db, course, login):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=5)))
    training.topic = "Colour grading"
    foreign = session_at(db, course["other"], started_today(now, timedelta(minutes=5)))
    foreign.topic = "Not yours"
    db.session.commit()
    html = login(course["trainees"][0]).get("/attendance/", headers=EN).get_data(as_text=True)
    assert "Colour grading" in html and "Not yours" not in html and "Check-in open" in html


def test_sessions_are_in_the_calendar_feed(app, db, course):
    from lms.calendar import services as calendars

    training = session_at(db, course["cohort"], utcnow() + timedelta(days=1))
    training.room = "301"
    db.session.commit()
    with app.test_request_context():
        mine = [e for e in calendars.events_for(course["trainees"][0]) if e.uid.startswith("attendance-")]
        theirs = [e for e in calendars.events_for(course["foreign"]) if e.uid.startswith("attendance-")]
        taught = [e for e in calendars.events_for(course["instructor"]) if e.uid.startswith("attendance-")]
        ics = calendars.to_ics(mine, name="t", timezone="Asia/Seoul", base_url="https://example.org")
    assert [e.uid for e in mine] == [f"attendance-session-{training.id}"] == [e.uid for e in taught]
    assert (mine[0].start, mine[0].end) == (training.starts_at, training.ends_at)
    assert "301" in mine[0].description
    assert theirs == []
    assert f"attendance-session-{training.id}@example.org".encode() in ics
    assert b"TRANSP:OPAQUE" in ics  # a class takes the time; due dates stay "free"


def test_admin_sets_rules_and_holidays(app, db, course, login):
    programme = course["cohort"].programme
    admin = login(course["admin"])
    url = f"/attendance/programmes/{programme.id}/rules"
    body = {"grace_minutes": "5", "lates_per_absence": "2", "min_rate_percent": "90", "period": "course"}
    assert admin.post(url, data=body).status_code == 302
    saved = services.rules_for(programme.id)
    assert (saved.grace_minutes, saved.lates_per_absence) == (5, 2)
    assert (saved.min_rate, saved.period) == (0.9, "course")
    assert admin.post(url, data=body | {"min_rate_percent": "120"}).status_code == 400
    assert login(course["instructor"], c=app.test_client()).get(url).status_code == 403
    page = admin.get("/attendance/holidays?year=2027", headers=EN).get_data(as_text=True)
    assert "Substitute holiday" in page and "Chuseok" in page
    closed = {"day": "2027-03-02", "closed": "y", "name": "Closed"}
    assert admin.post("/attendance/holidays", data=closed).status_code == 302
    assert date(2027, 3, 2) in services.days_off(date(2027, 3, 1), date(2027, 3, 31))
    assert login(course["trainees"][0], c=app.test_client()).get("/attendance/holidays").status_code == 403


def test_the_sweep_warns_trainees_nobody_tapped(app, db, course):
    from projects.attendance.tasks import attendance_warnings

    cohort, first = course["cohort"], course["trainees"][0]
    services.save_rules(
        cohort.programme, grace_minutes=10, lates_per_absence=3, min_rate_percent=80, period="course"
    )
    training = session_at(db, cohort, utcnow() - timedelta(hours=5))
    session_at(db, cohort, utcnow() - timedelta(days=3))  # held, but its roll never taken: counts for nobody
    marks.mark_trainee(training, first, "present", by=course["instructor"], reason="-")
    db.session.commit()
    result = attendance_warnings.delay().get()
    assert result == {"cohorts": 1, "below": 2}
    told = set(db.session.scalars(select(Notification.user_id)))
    assert {t.id for t in course["trainees"][1:]} <= told and first.id not in told
    assert course["foreign"].id not in told and course["instructor"].id in told
    before = count(db, Notification)
    assert attendance_warnings.delay().get()["below"] == 2
    assert count(db, Notification) == before  # once per trainee and period


def test_excuse_lists_are_each_ones_own(app, db, course, login):
    training = session_at(db, course["cohort"], utcnow() - timedelta(days=1))
    first, second = course["trainees"][:2]
    marks.request_excuse(first, training, "first-reason-1a2b")
    marks.request_excuse(second, training, "second-reason-3c4d")
    db.session.commit()
    own = login(first).get("/attendance/excuses", headers=EN).get_data(as_text=True)
    assert "first-reason-1a2b" in own and "second-reason-3c4d" not in own
    staff = login(course["instructor"], c=app.test_client()).get("/attendance/excuses").get_data(as_text=True)
    assert "first-reason-1a2b" in staff and "second-reason-3c4d" in staff
    outsider = login(course["other_instructor"], c=app.test_client()).get("/attendance/excuses")
    assert "first-reason-1a2b" not in outsider.get_data(as_text=True)
    # A session of another cohort is not offered, so a forged choice is refused by the form.
    foreign = session_at(db, course["other"], utcnow() - timedelta(days=1))
    forged = login(first, c=app.test_client()).post(
        "/attendance/excuses", data={"session_id": str(foreign.id), "reason": "Forged"}
    )
    assert forged.status_code == 400
    assert count(db, Excuse, Excuse.session_id == foreign.id) == 0


def test_two_sessions_at_one_time_are_refused(app, db, course):
    # 10:00 in Seoul the day after tomorrow: an hour later is the same day whatever time the test runs.
    day = services.local_day(utcnow()) + timedelta(days=2)
    start = datetime.combine(day, time(10), tzinfo=services.zone()).astimezone(UTC)
    first = session_at(db, course["cohort"], start)
    second = session_at(db, course["cohort"], start + timedelta(hours=4))
    local = first.starts_at.astimezone(services.zone())
    with pytest.raises(ProjectError) as caught:
        services.update_session(
            second,
            day=first.day,
            starts=local.time(),
            ends=(local + timedelta(hours=1)).time(),
            room="",
            topic="",
            instructor=None,
            korean=False,
        )
    assert caught.value.code == "session_clash"


def test_a_racing_second_check_in_is_answered_not_crashed(app, db, course, monkeypatch):
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=5)))
    trainee = course["trainees"][0]
    code = checkin.code_at(training, now)
    checkin.check_in(trainee, code, browser_session="tab-1", ip=None, now=now)
    db.session.commit()
    # The other tab read "no record yet" just before the first one wrote it.
    monkeypatch.setattr(checkin, "record_of", lambda *_args: None)
    with pytest.raises(ProjectError) as caught:
        checkin.check_in(trainee, code, browser_session="tab-2", ip=None, now=now)
    assert caught.value.code == "already_checked_in"
    db.session.commit()  # the savepoint was rolled back: the session is still usable
    assert count(db, AttendanceRecord) == 1
