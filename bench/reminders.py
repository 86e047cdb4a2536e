"""Time the reminder run for 50,000 trainees on PostgreSQL: seconds, and SQL statements per page.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/reminders.py [--trainees 50000] [--cohort-size 25] [--batch 500]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_a]

The database named by ``--pg-url`` is filled afresh (created when missing; its tables are dropped and made
again, so never point it at one you keep; ``test`` is refused). People, cohorts and enrolments come from the
national-scale loader (:func:`lms.scale.load_scale`, ``COPY``); on top of it each cohort gets one published
project due in five hours (so the 6-hour reminder is due), every tenth a team project (teams of five). About
one trainee in ten has handed in (every fifth team), one in fifty has an extension of three days (no
reminder yet), locales are Korean and English and a third of the people live in another time zone.

The run is the beat's task, :func:`projects.coursework.tasks.send_reminders`, in this process on a fresh
session (Celery's broker is in memory, so the mail kick after each commit costs nothing and no mail is sent:
the run writes the outbox). Statements are counted with an SQLAlchemy ``before_cursor_execute`` listener,
per page (the page's reads and writes, and the commit) and for the whole run. It prints the run's time
beside the goal (under a minute), statements per page (min, median, max: the goal is a constant), what was
written, and a second run at once (everything claimed: nothing written, the cost of the beat's next visit).
The reminders written are checked against the count expected from the generated data; the bench fails on a
difference.

The reference, in the same process and run: the per-person way (:func:`projects.coursework.services.dates_for`
and :func:`projects.coursework.submissions.submission_for` per trainee, then
:func:`lms.notifications.services.notify`), timed on the first ``--reference`` enrolments in a transaction
that is rolled back, and scaled to all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SECONDS = 60.0
ZONES = ("Asia/Seoul", "Asia/Seoul", "Asia/Ho_Chi_Minh", "Asia/Tashkent", "Asia/Kathmandu")


class Counter:
    """Statements sent to the database (every ``execute``, each insertmanyvalues batch included)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args, **_kwargs) -> None:
        self.count += 1


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def fill(app, trainees: int, cohort_size: int) -> dict:
    """People from the scale loader, then one project per cohort with hand-ins, teams and extensions."""
    from flask import current_app
    from sqlalchemy import select, text

    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes.models import Enrolment
    from lms.scale import Bulk, Scale, load_scale
    from projects.coursework.models import Deliverable, Extension, Project, Submission, Team, TeamMember

    cohorts = max(trainees // cohort_size, 1)
    scale = Scale(
        "bench",
        programmes=5,
        cohorts=cohorts,
        trainees=trainees,
        instructors=max(cohorts // 4, 1),
        projects_per_cohort=0,
    )
    projects_plugin = current_app.extensions.pop("projects")  # its scale receiver would add 20 projects each
    try:
        load_scale(scale, seed=19)
    finally:
        current_app.extensions["projects"] = projects_plugin
    db.session.commit()
    # Some people elsewhere (picked by id, in one statement).
    db.session.execute(
        text("UPDATE users SET timezone = (ARRAY[:a, :b, :c, :d, :e])[(id % 5) + 1]"),
        dict(zip("abcde", ZONES)),
    )
    now = utcnow()
    due = now.replace(microsecond=0) + timedelta(hours=5)
    bulk = Bulk(db.session)
    members = db.session.execute(
        select(Enrolment.cohort_id, Enrolment.user_id).order_by(Enrolment.cohort_id, Enrolment.user_id)
    ).all()
    of_cohort: dict[int, list[int]] = {}
    for cid, uid in members:
        of_cohort.setdefault(cid, []).append(uid)
    pid = bulk.next_id(Project.__table__)
    project_rows, deliverable_rows, team_rows, member_rows, submission_rows, extension_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    tid, sid, eid = bulk.next_id(Team.__table__), bulk.next_id(Submission.__table__), 1
    expected = 0
    for n, (cid, uids) in enumerate(sorted(of_cohort.items())):
        team_mode = n % 10 == 0
        project_rows.append(
            (
                pid,
                cid,
                f"브랜드 영상 {n}",
                f"Brand film {n}",
                "",
                "",
                "",
                None,
                due,
                due + timedelta(days=2),
                3,
                team_mode,
                None,
                Decimal(100),
                "none",
                Decimal(0),
                Decimal(0),
                False,
                "published",
                None,
                now,
                now,
                "48,6",
            )
        )
        deliverable_rows.append((pid * 2, pid, 0, "영상", "Film", "video", {}, True, "", ""))
        if team_mode:
            for k in range(0, len(uids), 5):
                team = uids[k : k + 5]
                team_rows.append((tid, pid, f"Team {k // 5 + 1}"))
                member_rows += [(tid, uid, pid) for uid in team]
                if (k // 5) % 5 == 0:
                    submission_rows.append((sid, pid, None, tid, "submitted", 1, now))
                    sid += 1
                else:
                    expected += len(team)
                tid += 1
        else:
            for uid in uids:
                if uid % 10 == 3:
                    submission_rows.append((sid, pid, uid, None, "submitted", 1, now))
                    sid += 1
                elif uid % 50 == 7:
                    extension_rows.append((eid, pid, uid, due + timedelta(days=3), None, "bench", now))
                    eid += 1
                else:
                    expected += 1
        pid += 1
    bulk.insert(
        Project.__table__,
        [
            "id",
            "cohort_id",
            "title_ko",
            "title_en",
            "brief_ko",
            "brief_en",
            "outcomes",
            "opens_at",
            "due_at",
            "cutoff_at",
            "max_attempts",
            "team_mode",
            "rubric_version_id",
            "max_grade",
            "late_policy",
            "late_percent",
            "late_floor",
            "self_assessment",
            "status",
            "created_by_id",
            "created_at",
            "published_at",
            "reminder_hours",
        ],
        project_rows,
    )
    bulk.insert(
        Deliverable.__table__,
        [
            "id",
            "project_id",
            "position",
            "name_ko",
            "name_en",
            "kind",
            "spec",
            "required",
            "guidance_ko",
            "guidance_en",
        ],
        deliverable_rows,
    )
    bulk.insert(Team.__table__, ["id", "project_id", "name"], team_rows)
    bulk.insert(TeamMember.__table__, ["team_id", "user_id", "project_id"], member_rows)
    bulk.insert(
        Submission.__table__,
        [
            "id",
            "project_id",
            "user_id",
            "team_id",
            "status",
            "attempt_count",
            "last_submitted_at",
            "ai_tools",
            "ai_generated",
            "people",
            "last_late",
            "created_at",
            "updated_at",
        ],
        ((*row, "", "", [], False, now, now) for row in submission_rows),
    )
    bulk.insert(
        Extension.__table__,
        [
            "id",
            "project_id",
            "user_id",
            "due_at",
            "cutoff_at",
            "reason",
            "created_at",
        ],
        extension_rows,
    )
    bulk.finish(
        Project.__table__, Deliverable.__table__, Team.__table__, Submission.__table__, Extension.__table__
    )
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return {"cohorts": len(of_cohort), "enrolments": len(members), "expected": expected}


def run(app, batch: int) -> dict:
    """The beat's task on a fresh session, with statements counted per page and in all, and the time spent
    in the mail outbox's :func:`lms.mail.queue_many` (preferences, quiet hours, footers, the insert) apart."""
    from lms.extensions import db
    from projects.coursework import reminder_services, tasks

    counter = Counter(db.engine)
    pages: list[int] = []
    outbox = [0.0]
    page_of, queue_many = reminder_services.remind_page, reminder_services.queue_many

    def counted(*args, **kwargs):
        before = counter.count
        page = page_of(*args, **kwargs)
        pages.append(counter.count - before + 1)  # + the commit that follows each page
        return page

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return queue_many(*args, **kwargs)
        finally:
            outbox[0] += time.perf_counter() - started

    reminder_services.remind_page, reminder_services.queue_many = counted, timed
    try:
        db.session.remove()
        started, cpu, first = time.perf_counter(), time.process_time(), counter.count
        totals = tasks.send_reminders(batch=batch)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        reminder_services.remind_page, reminder_services.queue_many = page_of, queue_many
    return {
        **totals,
        "seconds": seconds,
        "cpu": cpu,
        "outbox": outbox[0],
        "statements": counter.count - first,
        "per_page": pages,
    }


def reference(app, rows: int) -> dict:
    """The per-person way on the first *rows* enrolments, rolled back: seconds and statements per person."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from lms.extensions import db
    from lms.notifications.services import notify
    from lms.programmes.models import Enrolment
    from lms.users.models import User
    from projects.coursework import services, submissions
    from projects.coursework.models import Project

    counter = Counter(db.engine)
    db.session.remove()
    pairs = db.session.execute(
        select(Enrolment.user_id, Project.id)
        .join(Project, Project.cohort_id == Enrolment.cohort_id)
        .order_by(Enrolment.user_id)
        .limit(rows)
    ).all()
    started, first = time.perf_counter(), counter.count
    for user_id, project_id in pairs:
        user, project = db.session.get(User, user_id), db.session.get(Project, project_id)
        dates = services.dates_for(project, user)
        submission = submissions.submission_for(project, user)
        if submission is None or not submission.attempt_count:
            notify(user, lambda: _("Due: %(title)s", title=project.title), "/", kind="reminder_due")
    db.session.flush()
    seconds = time.perf_counter() - started
    statements = counter.count - first
    db.session.rollback()
    del dates
    return {"seconds": seconds, "statements": statements, "rows": len(pairs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=50_000)
    parser.add_argument("--cohort-size", type=int, default=25)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--reference", type=int, default=500)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_a")
    args = parser.parse_args()
    from sqlalchemy.engine import make_url

    if make_url(args.pg_url).database == "test":
        print("Refusing the database named `test` (the test suite's).")
        return 2
    ensure_database(args.pg_url)

    from lms import create_app
    from lms.extensions import db

    instance = tempfile.mkdtemp(prefix="bench-reminders-")
    app = create_app(
        {
            "SECRET_KEY": os.urandom(32).hex(),
            "DATABASE_URL": args.pg_url,
            "PUBLIC_URL": "https://lms.example.kr",
            "CELERY_BROKER_URL": "memory://",
            "CELERY_RESULT_BACKEND": "cache+memory://",
            "SERVER_NAME": "lms.example.kr",
        },
        instance_path=instance,
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        data = fill(app, args.trainees, args.cohort_size)
        print(
            f"filled {data['enrolments']:,} trainees in {data['cohorts']:,} cohorts "
            f"in {time.perf_counter() - started:.1f} s; reminders expected: {data['expected']:,}"
        )
        ref = reference(app, args.reference)
        first = run(app, args.batch)
        second = run(app, args.batch)
        written = db.session.scalar(
            db.text("SELECT count(*) FROM projects_sent_reminders WHERE kind = 'reminder_due'")
        )
        mails = db.session.scalar(db.text("SELECT count(*) FROM mail_outbox WHERE kind = 'reminder_due'"))
        notes = db.session.scalar(db.text("SELECT count(*) FROM notifications"))
    pages = first["per_page"]
    scaled = ref["seconds"] / max(ref["rows"], 1) * data["enrolments"]
    verdict = "meets" if first["seconds"] < GOAL_SECONDS else "MISSES"
    print(f"\nreminder run, {data['enrolments']:,} trainees, pages of {args.batch}:")
    print(f"  time: {first['seconds']:.1f} s (goal: under {GOAL_SECONDS:.0f} s: {verdict})")
    print(
        f"    of which in lms.mail.queue_many (preferences, footers, insert): {first['outbox']:.1f} s; "
        f"CPU time of this process: {first['cpu']:.1f} s; load average: {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"  written: {first['sent']:,} reminders ({first['due']:,} due), {mails:,} mails, {notes:,} notices"
    )
    print(
        f"  statements: {first['statements']:,} in {len(pages)} pages; per page min {min(pages)}, "
        f"median {statistics.median(pages):.0f}, max {max(pages)} (goal: constant)"
    )
    print(
        f"  run again at once: {second['seconds']:.1f} s, {second['sent']} written, "
        f"{second['statements']:,} statements"
    )
    print(
        f"reference (per person: dates_for, submission_for, notify), {ref['rows']} trainees: "
        f"{ref['seconds']:.2f} s, {ref['statements'] / max(ref['rows'], 1):.1f} statements per trainee; "
        f"scaled to {data['enrolments']:,}: {scaled:.0f} s, "
        f"{ref['statements'] / max(ref['rows'], 1) * data['enrolments']:,.0f} statements"
    )
    print(f"ratio (reference / run): {scaled / first['seconds']:.1f}x faster")
    ok = first["sent"] == written == mails == data["expected"] and second["sent"] == 0
    print(f"written as expected from the data, and once: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
