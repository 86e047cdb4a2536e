"""The monthly attendance sheet (issue 16, item 4): the pure arithmetic, the sheet recomputed from the
stored rows, the screen, the CSV and the printable page, and who may see them."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.db import utcnow
from projects.attendance import reports, rules, services, sheets
from projects.attendance.models import AttendanceRecord, Mark, MarkSource, TrainingSession
from tests.projects.test_attendance import EN, course, session_at  # noqa: F401  (fixture)


def test_build_counts_marks_lates_rule_and_hours():
    cols = [
        sheets.Column(1, date(2026, 12, 1), 4.0, held=True),
        sheets.Column(2, date(2026, 12, 2), 4.0, held=True),
        sheets.Column(3, date(2026, 12, 3), 3.5, held=True),
        sheets.Column(4, date(2026, 12, 4), 4.0, held=False),
    ]
    marks = {(1, 10): "late", (2, 10): "late", (3, 10): "left_early", (1, 11): "excused", (2, 11): "present"}
    sheet = sheets.build(cols, [(10, "Ana"), (11, "Bo")], marks, rules.Rules(lates_per_absence=3))
    ana, bo = sheet.rows
    assert ana.cells == ("late", "late", "left_early", "")
    assert ana.symbols == ("L", "L", "E", "")
    assert ana.absences == 1 and ana.hours == 11.5 and ana.held == 3
    assert ana.rate == 2 / 3
    # Bo has no mark on the 3rd, a held session: absent, no hours.
    assert bo.cells[2] == "absent" and bo.absences == 1 and bo.hours == 8.0
    assert sheet.planned_hours == 15.5 and sheet.held_hours == 11.5
    assert sheet.totals["late"] == 2 and sheet.totals["absent"] == 1 and sheet.totals["excused"] == 1
    assert sheet.rate == (2 + 2) / 6


def test_month_bounds():
    assert sheets.month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-1", "20261", "abcd-ef", "2026-13"):
        try:
            sheets.month_bounds(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def _fill(db, cohort, trainees, days: int):
    """*days* past sessions of this month or the last one, each trainee marked at random (seeded)."""
    now = utcnow()
    first = now.replace(day=1, hour=1, minute=0, second=0, microsecond=0)
    if (now - first).days < 3:
        first = (first - timedelta(days=1)).replace(day=1)
    pick = random.Random(16)
    made = []
    for i in range(days):
        training = session_at(db, cohort, first + timedelta(hours=6 * i), hours=2 + i % 3)
        made.append(training)
        for trainee in trainees:
            choice = pick.choice([*rules.STATUSES, None])
            if choice:
                db.session.add(
                    AttendanceRecord(
                        session_id=training.id,
                        user_id=trainee.id,
                        mark=Mark(choice),
                        source=MarkSource.ROLL_CALL,
                    )
                )
    db.session.commit()
    return services.local_day(first).strftime("%Y-%m"), made


def test_the_sheet_adds_up_from_the_rows(app, db, course):  # noqa: F811
    """Recompute every cell and total from the stored rows, independently of :mod:`.sheets`."""
    cohort = course["cohort"]
    month, _made = _fill(db, cohort, course["trainees"], 8)
    sheet = reports.monthly_sheet(cohort, month)
    first, nxt = sheets.month_bounds(month)
    sessions = db.session.scalars(
        select(TrainingSession).where(
            TrainingSession.cohort_id == cohort.id, TrainingSession.day >= first, TrainingSession.day < nxt
        )
    ).all()
    records = {(r.session_id, r.user_id): r.mark.value for r in db.session.scalars(select(AttendanceRecord))}
    now = utcnow()
    held = [s for s in sessions if s.ends_at <= now and any(k[0] == s.id for k in records)]
    assert [c.session_id for c in sheet.columns] == [
        s.id for s in sorted(sessions, key=lambda s: s.starts_at)
    ]
    assert sheet.planned_hours == round(sum(s.hours for s in sessions), 2)
    per = services.rules_for(cohort.programme_id).lates_per_absence
    for row in sheet.rows:
        mine = [records.get((s.id, row.user_id), "absent") for s in held]
        assert sum(row.counts.values()) == len(held)
        for status in rules.STATUSES:
            assert row.counts[status] == mine.count(status)
        lates = mine.count("late") + mine.count("left_early")
        assert row.absences == mine.count("absent") + lates // per
        attended = sum(s.hours for s in held if records.get((s.id, row.user_id), "absent") != "absent")
        assert row.hours == round(attended, 2)
    for status in rules.STATUSES:
        assert sheet.totals[status] == sum(r.counts[status] for r in sheet.rows)
    # The completion record's hours are the same sums over the whole course.
    trainee = course["trainees"][0]
    row = next(r for r in sheet.rows if r.user_id == trainee.id)
    assert reports.hours_completed(trainee, cohort) == {
        "planned": sheet.planned_hours,
        "completed": row.hours,
    }


def test_sheet_screen_csv_and_print(app, db, course, login):  # noqa: F811
    cohort = course["cohort"]
    month, _made = _fill(db, cohort, course["trainees"], 4)
    sheet = reports.monthly_sheet(cohort, month)
    client = login(course["instructor"])
    base = f"/attendance/cohorts/{cohort.id}/sheet"
    page = client.get(f"{base}?month={month}", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Monthly attendance sheet" in html and all(t.name in html for t in course["trainees"])
    printed = client.get(f"{base}?month={month}&print=1", headers=EN).get_data(as_text=True)
    assert "Administrator" in printed and "attendance.css" in printed
    response = client.get(f"/attendance/cohorts/{cohort.id}/sheet.csv?month={month}", headers=EN)
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith(
        "attachment"
    )
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header = rows[1]
    assert header[0] == "Trainee" and header[-3:] == ["Absences", "Hours", "Rate"]
    by_name = {r[0]: r for r in rows[2 : 2 + len(sheet.rows)]}
    for row in sheet.rows:
        line = by_name[row.name]
        assert line[1 : 1 + len(sheet.columns)] == list(row.symbols)
        assert float(line[-2]) == row.hours and int(line[-3]) == row.absences
    assert client.get(f"{base}?month=12-2026").status_code == 404


def test_sheet_only_for_the_cohorts_managers(app, db, course, login):  # noqa: F811
    cohort = course["cohort"]
    for person in (course["other_instructor"], course["trainees"][0]):
        other = login(person, c=app.test_client())
        assert other.get(f"/attendance/cohorts/{cohort.id}/sheet").status_code == 404
        assert other.get(f"/attendance/cohorts/{cohort.id}/sheet.csv").status_code == 404
    assert login(course["admin"]).get(f"/attendance/cohorts/{cohort.id}/sheet").status_code == 200


def test_hours_completed_feed_the_completion_record(app, db, course):  # noqa: F811
    from projects.completions import services as completions

    cohort, trainee = course["cohort"], course["trainees"][0]
    training = session_at(db, cohort, utcnow() - timedelta(days=1), hours=4)
    session_at(db, cohort, utcnow() + timedelta(days=1), hours=3)
    db.session.add(
        AttendanceRecord(
            session_id=training.id, user_id=trainee.id, mark=Mark.LATE, source=MarkSource.ROLL_CALL
        )
    )
    db.session.commit()
    done = completions.mark_completion(trainee, cohort, services.local_day(utcnow()), course["admin"])
    assert done.record["training_hours"] == {"planned": 7.0, "completed": 4.0}
    assert completions.verify(done).valid
