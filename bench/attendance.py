"""Time the monthly attendance sheet of a cohort: 300 trainees x 20 sessions (issue 16's figure).

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/attendance.py [--trainees 300] [--sessions 20] [--runs 7] [--database-url URL]

On a fresh SQLite instance (or an empty database given by ``--database-url``): one cohort, its trainees, 20
past sessions in one month, every trainee marked in every session (a mix of marks).  Medians of ``--runs``:

- **sheet**: :func:`projects.attendance.reports.monthly_sheet` (three queries and the arithmetic of
  :mod:`projects.attendance.sheets`);
- **page** and **csv**: the screen's and the CSV's view functions, signed in as an administrator (the sheet,
  the template or the CSV writer; what the server spends on a request less the WSGI plumbing).

The reference, measured in the same run: the one query that fetches the month's marks into a dict, the least
any sheet costs; the ratio says what the rest adds.  Peak RSS is the process's (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_S = 1.0


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="gongbang-bench-attendance-")
    from flask_login import login_user
    from sqlalchemy import insert, select

    from lms import create_app
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.users.models import Role, User
    from projects.attendance import reports, rules, services, views
    from projects.attendance.models import AttendanceRecord, Mark, MarkSource, TrainingSession

    config = {"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40, "MAIL_BACKEND": "none"}
    if args.database_url:
        config["DATABASE_URL"] = args.database_url
    app = create_app(config)
    with app.app_context():
        db.create_all()
        admin = User(email="a@bench.example", name="Admin", role=Role.ADMIN)
        people = [
            User(email=f"p{i}@bench.example", name=f"Trainee {i:03d}", role=Role.TRAINEE)
            for i in range(args.trainees)
        ]
        db.session.add_all([admin, *people])
        db.session.flush()
        programme = programmes.create_programme(code="BA", name_ko="벤치", name_en="Bench")
        month = date(2026, 11, 1)
        cohort = programmes.create_cohort(
            programme, code="BA1", name="BA1", start_date=month, end_date=date(2027, 2, 28)
        )
        for person in people:
            programmes.enrol_trainee(cohort, person)
        sessions = []
        for i in range(args.sessions):
            day = month + timedelta(days=i + i // 5 * 2)  # weekdays-like spread over the month
            starts = services._at(day, datetime.min.time().replace(hour=9))
            sessions.append(
                TrainingSession(
                    cohort_id=cohort.id,
                    day=day,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=4),
                    secret="0" * 64,
                )
            )
        db.session.add_all(sessions)
        db.session.flush()
        rng = random.Random(16)
        weights = [90, 4, 2, 3, 1]
        db.session.execute(
            insert(AttendanceRecord),
            [
                {
                    "session_id": s.id,
                    "user_id": p.id,
                    "mark": Mark(rng.choices(rules.STATUSES, weights)[0]),
                    "source": MarkSource.ROLL_CALL,
                }
                for s in sessions
                for p in people
            ],
        )
        db.session.commit()
        key = month.strftime("%Y-%m")
        ids = [s.id for s in sessions]

        def reference():
            rows = db.session.execute(
                select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.mark).where(
                    AttendanceRecord.session_id.in_(ids)
                )
            )
            return {(sid, uid): mark for sid, uid, mark in rows}

        def sheet():
            db.session.expire_all()
            made = reports.monthly_sheet(cohort, key)
            assert len(made.rows) == args.trainees and len(made.columns) == args.sessions
            return made

        def page(view):
            def run():
                db.session.expire_all()
                with app.test_request_context(f"/attendance/cohorts/{cohort.id}/sheet?month={key}"):
                    login_user(admin)
                    response = app.make_response(view(cohort.id))
                    assert response.status_code == 200
                    response.get_data()

            return run

        sheet()  # warm the caches (templates, metadata)
        page(views.sheet)()
        ref = timed(reference, args.runs)
        built = timed(sheet, args.runs)
        screen = timed(page(views.sheet), args.runs)
        csv = timed(page(views.sheet_csv), args.runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = (args.database_url or "sqlite").split(":")[0]
    print(
        f"{args.trainees} trainees x {args.sessions} sessions on {engine}, {args.runs} runs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(f"reference (fetch the month's marks): median {ref * 1000:.1f} ms")
    print(f"sheet: median {built * 1000:.1f} ms; ratio {built / ref:.1f}x the reference")
    verdict = "OK" if screen < GOAL_S else "MISSED"
    print(
        f"page: median {screen * 1000:.1f} ms; ratio {screen / ref:.1f}x; goal < {GOAL_S:.0f} s -> {verdict}"
    )
    print(f"csv: median {csv * 1000:.1f} ms; ratio {csv / ref:.1f}x")
    print(f"peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
