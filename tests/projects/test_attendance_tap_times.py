"""The roll call's times (issue 16, item 2): a tap during class is the arrival of a late trainee or the
leaving of one who left early; a tap after class (the roll taken afterwards, a correction) knows neither
time and records none, never an arrival after the session's end."""

from __future__ import annotations

from datetime import timedelta

from lms.db import utcnow
from projects.attendance import marks
from projects.attendance.models import Mark
from tests.projects.test_attendance import course, session_at, started_today  # noqa: F401  (fixture)


def test_a_tap_during_class_keeps_its_time(app, db, course):  # noqa: F811
    now = utcnow()
    training = session_at(db, course["cohort"], started_today(now, timedelta(minutes=20)))
    late, leaving = course["trainees"][:2]
    marks.mark_trainee(training, late, "late", by=course["instructor"], now=now)
    marks.mark_trainee(training, leaving, "left_early", by=course["instructor"], now=now)
    records = marks.records_of(training)
    assert records[late.id].arrived_at == now
    assert records[leaving.id].left_at == now and records[leaving.id].arrived_at == training.starts_at


def test_a_tap_after_class_records_no_time_after_its_end(app, db, course):  # noqa: F811
    training = session_at(db, course["cohort"], utcnow() - timedelta(days=2))
    late, leaving, present = course["trainees"]
    staff = course["admin"]
    marks.mark_trainee(training, late, "late", by=staff, reason="Roll taken late")
    marks.mark_trainee(training, leaving, "left_early", by=staff, reason="Roll taken late")
    marks.mark_trainee(training, present, "present", by=staff, reason="Roll taken late")
    records = marks.records_of(training)
    assert records[late.id].mark is Mark.LATE and records[late.id].arrived_at is None
    assert records[leaving.id].mark is Mark.LEFT_EARLY and records[leaving.id].left_at is None
    assert records[present.id].arrived_at == training.starts_at
    # A time given (read off a note) is kept as given.
    given = training.starts_at + timedelta(minutes=40)
    marks.mark_trainee(training, late, "late", by=staff, reason="Sign-in sheet", arrived_at=given)
    assert marks.records_of(training)[late.id].arrived_at == given
