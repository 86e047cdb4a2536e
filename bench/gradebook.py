"""Benchmark the cohort gradebook: 300 trainees x 20 graded projects.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/gradebook.py [--runs 15] [--trainees 300] [--projects 20]

Builds a throwaway SQLite instance, fills it with bulk inserts, signs an
instructor in and times ``GET /projects/cohorts/<id>/gradebook`` through the
WSGI stack (Flask's test client, so no network in the numbers).  The reference
is a minimal page served the same way in the same run: ``/healthz`` (one
``SELECT 1``).  Prints the medians, their ratio, the SQL statement count of one
gradebook request, and whether the goal (median < 150 ms) is met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_MS = 150.0
PASSWORD = "bench-password-1234"


def build(app, trainees: int, projects: int) -> tuple[int, str]:
    """Fill the database; return (cohort id, instructor e-mail)."""
    from lms.auth.services import hasher
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from projects.coursework import services
    from projects.coursework.models import Attempt, Submission
    from projects.grading import rubrics
    from projects.grading.models import Assessment, MarkingStatus

    with app.app_context():
        db.create_all()
        instructor = User(
            email="instructor@bench.example",
            name="Instructor",
            role=Role.INSTRUCTOR,
            password_hash=hasher().hash(PASSWORD),
            locale="en",
        )
        db.session.add(instructor)
        programme = programmes.create_programme(code="BENCH", name_ko="벤치", name_en="Bench")
        cohort = programmes.create_cohort(
            programme, code="1", name="Bench cohort", start_date=date(2026, 9, 1), end_date=date(2027, 2, 1)
        )
        programmes.assign_instructor(cohort, instructor)
        people = [
            User(email=f"t{i}@bench.example", name=f"Trainee {i:03d}", role=Role.TRAINEE)
            for i in range(trainees)
        ]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=u.id) for u in people)
        rubric = rubrics.create_rubric(
            programme_id=None,
            title_ko="r",
            title_en="r",
            by=instructor,
            data={"criteria": [{"title_en": "Story", "levels": [{"points": 0}, {"points": 10}]}]},
        )
        now = utcnow()
        for n in range(projects):
            project = services.create_project(
                cohort, instructor, title_en=f"Project {n + 1}", due_at=now + timedelta(days=n)
            )
            services.save_deliverable(project, name_en="Note", kind="text")
            services.publish_project(project)
            rubrics.attach(project, rubric.latest)
            for i, user in enumerate(people):
                submission = Submission(
                    project_id=project.id,
                    user_id=user.id,
                    people=[],
                    attempt_count=1,
                    last_late=i % 7 == 0,
                    last_submitted_at=now,
                )
                submission.attempts.append(
                    Attempt(
                        number=1,
                        submitted_at=now,
                        due_at=project.due_at,
                        late=i % 7 == 0,
                        statement_accepted=True,
                        ai_used=False,
                        people=[],
                    )
                )
                db.session.add(submission)
                db.session.add(
                    Assessment(
                        submission=submission,
                        rubric_version_id=rubric.latest.id,
                        grade=Decimal(50 + (i * 7 + n) % 50),
                        status=MarkingStatus.READY,
                        marks={},
                    )
                )
            db.session.flush()
        db.session.commit()
        return cohort.id, instructor.email


def timed(client, path: str, runs: int) -> float:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        assert response.status_code == 200, (path, response.status_code)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])  # the first request warms template and query caches


def count_queries(app, client, path: str) -> int:
    from sqlalchemy import event

    from lms.extensions import db

    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(path).get_data()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()

    from lms import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench-" + "0123456789abcdef" * 4,
                "SESSION_COOKIE_SECURE": False,
                "CELERY_ALWAYS_EAGER": True,
                "WTF_CSRF_ENABLED": False,
            },
            instance_path=folder,
        )
        started = time.perf_counter()
        cohort_id, email = build(app, args.trainees, args.projects)
        print(
            f"built {args.trainees} trainees x {args.projects} projects in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = app.test_client()
        login = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert login.status_code == 302, login.status_code
        page = f"/projects/cohorts/{cohort_id}/gradebook"
        ours = timed(client, page, args.runs)
        reference = timed(client, "/healthz", args.runs)
        queries = count_queries(app, client, page)
    print(f"{'page':<32} {'median ms':>10}")
    print(f"{'gradebook ' + str(args.trainees) + 'x' + str(args.projects):<32} {ours:>10.1f}")
    print(f"{'/healthz (reference)':<32} {reference:>10.1f}")
    print(
        f"ratio gradebook / reference: {ours / reference:.1f}x; "
        f"SQL statements per gradebook request: {queries}"
    )
    print(f"goal median < {GOAL_MS:.0f} ms: {'met' if ours < GOAL_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
