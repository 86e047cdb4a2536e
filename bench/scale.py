"""Time every list page and API list at national scale: first page and the last page,
as the role that uses it.

Run from the repository root against a PostgreSQL database filled by ``lms demo --scale national``
(never the test suite's database)::

    createdb -h 127.0.0.1 -U postgres scale_national
    export LMS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scale_national
    .venv/bin/lms db upgrade && .venv/bin/lms demo --scale national
    .venv/bin/python bench/scale.py [--runs 20] [--only users]

Requests go through the whole WSGI stack in-process with Flask's test client
(sessions, CSRF-free sign-in, templates, JSON), so the numbers are the app and
the database without a network or gunicorn in front.  Each endpoint is asked
twice before timing; then ``--runs`` times.  Prints, per endpoint, the median
and p95 in ms, the SQL statements one request took, rows on the page, and
whether p95 meets the goal (300 ms).  The reference line is ``/healthz`` (one
``SELECT 1``) timed the same way in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_MS = 300.0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method (p95 of 20 runs is the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def main() -> int:  # noqa: C901  (one flow read top to bottom; splitting would scatter it)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="", help="time only endpoints whose label contains this")
    args = parser.parse_args()
    url = os.environ.get("LMS_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("Set LMS_DATABASE_URL to the PostgreSQL database filled by `lms demo --scale national`.")
        return 2
    if url.rstrip("/").rsplit("/", 1)[-1] == "test":
        print("Refusing the database named `test` (the test suite's).")
        return 2

    from sqlalchemy import event, func, select

    from lms import create_app
    from lms.api import services as tokens
    from lms.extensions import db
    from lms.programmes.models import Cohort, CohortInstructor, Enrolment
    from lms.scale import EMAIL_DOMAIN
    from lms.users.models import User
    from projects.coursework.models import Project

    app = create_app({"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False, "DATABASE_URL": url})
    statements = [0]
    with app.app_context():
        event.listen(
            db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
        )
        people = {
            role: db.session.scalar(select(User).where(User.email == email))
            for role, email in [
                ("admin", "admin@demo.gongbang.kr"),
                ("instructor", f"instructor0001@{EMAIL_DOMAIN}"),
                ("trainee", f"trainee00001@{EMAIL_DOMAIN}"),
            ]
        }
        if any(u is None for u in people.values()):
            print("No national data here: run `lms demo --scale national` first.")
            return 2
        teacher = people["instructor"]
        cohort_id = db.session.scalar(
            select(CohortInstructor.cohort_id)
            .where(CohortInstructor.user_id == teacher.id)
            .order_by(CohortInstructor.cohort_id)
        )
        project_id = db.session.scalar(
            select(Project.id)
            .where(Project.cohort_id == cohort_id, Project.team_mode.is_(False))
            .order_by(Project.due_at)
        )
        team_project = db.session.scalar(
            select(Project.id).where(Project.cohort_id == cohort_id, Project.team_mode.is_(True))
        )
        count = {
            "users": db.session.scalar(select(func.count(User.id))),
            "trainees": db.session.scalar(select(func.count(User.id)).where(User.role == "trainee")),
            "cohorts": db.session.scalar(select(func.count(Cohort.id))),
            "projects": db.session.scalar(select(func.count(Project.id))),
            "enrolments": db.session.scalar(select(func.count()).where(Enrolment.cohort_id == cohort_id)),
        }
        raw = {
            role: tokens.create_token(user, "bench/scale.py", "read", 1)[1] for role, user in people.items()
        }
        emails = {role: user.email for role, user in people.items()}
        db.session.commit()

    def last(total: int, size: int) -> int:
        return max(1, math.ceil(total / size))

    p, c, t = project_id, cohort_id, team_project
    html = [
        ("admin", "/dashboard"),
        ("admin", "/admin/users"),
        ("admin", f"/admin/users?page={last(count['users'], 50)}"),
        ("admin", f"/admin/users?role=trainee&page={last(count['trainees'], 50) // 2}"),
        ("admin", "/admin/users?q=nguyen"),
        ("admin", "/programmes"),
        ("admin", f"/programmes?page={last(count['cohorts'], 50)}"),
        ("admin", f"/cohorts/{c}"),
        ("admin", "/projects/"),
        ("admin", f"/projects/?page={last(count['projects'], 50)}"),
        ("admin", "/projects/rubrics/"),
        ("instructor", "/dashboard"),
        ("instructor", "/projects/"),
        ("instructor", "/projects/?page=2"),
        ("instructor", f"/projects/{p}/submissions"),
        ("instructor", f"/projects/{p}/submissions?filter=submitted"),
        ("instructor", f"/projects/{t}/submissions"),
        ("instructor", f"/projects/{t}/teams"),
        ("instructor", f"/projects/{p}/extensions"),
        ("instructor", f"/projects/cohorts/{c}/gradebook"),
        ("instructor", "/projects/rubrics/"),
        ("instructor", "/notifications"),
        ("instructor", "/programmes"),
        ("trainee", "/dashboard"),
        ("trainee", "/projects/"),
        ("trainee", "/media/"),
        ("trainee", "/notifications"),
    ]
    api = [
        ("admin", "/api/v1/users"),
        ("admin", f"/api/v1/users?page={last(count['users'], 10)}"),
        ("admin", "/api/v1/programmes"),
        ("admin", "/api/v1/cohorts"),
        ("admin", f"/api/v1/cohorts?page={last(count['cohorts'], 10)}"),
        ("admin", f"/api/v1/cohorts/{c}/enrolments"),
        ("admin", "/api/v1/projects"),
        ("admin", f"/api/v1/projects?page={last(count['projects'], 10)}"),
        ("admin", "/api/v1/projects/rubrics"),
        ("instructor", "/api/v1/projects"),
        ("instructor", f"/api/v1/projects/{p}/submissions"),
        ("instructor", f"/api/v1/projects/{p}/submissions?page={last(count['enrolments'], 10)}"),
        ("instructor", f"/api/v1/projects/{t}/teams"),
        ("instructor", f"/api/v1/projects/{p}/extensions"),
        ("instructor", f"/api/v1/projects/cohorts/{c}/gradebook"),
        ("instructor", "/api/v1/cohorts"),
        ("trainee", "/api/v1/projects"),
        ("trainee", "/api/v1/cohorts"),
        ("trainee", f"/api/v1/projects/{p}/submissions"),
    ]
    clients = {}
    for role, email in emails.items():
        client = app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": "workshop-demo-2026"})
        if response.status_code != 302:
            print(f"Could not sign in as {email} ({response.status_code}).")
            return 2
        clients[role] = client

    def timed(role: str, path: str, is_api: bool) -> tuple[list[float], int, int, int]:
        headers = {"Authorization": f"Bearer {raw[role]}"} if is_api else {}
        client = clients[role] if not is_api else app.test_client()
        for _ in range(2):
            client.get(path, headers=headers)
        times = []
        for _ in range(args.runs):
            statements[0] = 0
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        rows = (
            len(response.get_json())
            if is_api and response.status_code == 200
            else response.get_data(as_text=True).count("<tr") - 1
        )
        return times, response.status_code, statements[0], rows

    health = timed("admin", "/healthz", False)[0]
    print(
        f"Flask test client, PostgreSQL ({url.rsplit('@', 1)[-1]}); {count['users']:,} users, "
        f"{count['cohorts']:,} cohorts, {count['projects']:,} projects; {args.runs} runs each; goal p95 < "
        f"{GOAL_MS:.0f} ms."
    )
    print(f"reference /healthz: median {statistics.median(health):.1f} ms\n")
    print(f"{'role':<11} {'endpoint':<58} {'median':>7} {'p95':>7} {'SQL':>4} {'rows':>5} {'HTTP':>4}  goal")
    failures = 0
    for is_api, items in ((False, html), (True, api)):
        for role, path in items:
            if args.only and args.only not in path:
                continue
            times, status, sql, rows = timed(role, path, is_api)
            med, p95 = statistics.median(times), percentile(times, 95)
            ok = p95 < GOAL_MS and status == 200
            failures += not ok
            print(
                f"{role:<11} {path:<58} {med:7.1f} {p95:7.1f} {sql:>4} {rows:>5} {status:>4}  "
                f"{'met' if ok else 'MISSED'}"
            )
    with app.app_context():
        for email in emails.values():
            for token in tokens.tokens_of(db.session.scalar(select(User).where(User.email == email))):
                if token.name == "bench/scale.py":
                    tokens.revoke_token(token)
        db.session.commit()
    print(f"\n{failures} endpoint(s) missed the goal." if failures else "\nEvery endpoint met the goal.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
