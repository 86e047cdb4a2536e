"""Load on one machine: 300 trainees browsing, uploading and handing in while 10 instructors grade.

Run from the repository root (not part of the test suite; needs the ``bench`` extra, i.e. Locust)::

    .venv/bin/python bench/load.py [--db sqlite|postgresql] [--users 310] [--instructors 10]
                                   [--run-time 90s] [--spawn-rate 10] [--workers 2]

It builds a fresh instance in its own folder under the system temp directory
(SQLite in WAL mode, or the PostgreSQL database ``test_load``, dropped and
created again), fills it in bulk (cohorts of 30 trainees, one instructor each,
two published projects per cohort: one asking for an image and a text, one
already handed in by everyone and waiting to be graded), starts the app as
``lms serve`` does (gunicorn with --workers x 4 threads, and one background
worker) on a free loopback port and runs Locust headless for --run-time with
``bench/locustfile.py``.  Users arrive at --spawn-rate per second; the ramp is
part of the numbers.  Sessions last 14 days, so most people come back signed
in: all but --sign-ins of them get a session made before the run, and those
--sign-ins people sign in with their password as they arrive.

Printed: requests per second, p50/p95/p99 and failures per request type and in
total, the machine's load average while it ran (other processes count: the
numbers are only comparable on a quiet machine), and whether the goal
(0 errors, p95 < 1 s) was met.  Exit status 0 when it was, 1 when not.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password-2026"
GOAL_P95_MS = 1000
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
#: Redis database numbers this benchmark and bench/cluster.py may use (broker, results).
REDIS_DBS = (14, 15)
RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Story",
            "title_ko": "구성",
            "weight": 2,
            "levels": [{"id": f"story-{p}", "name_en": f"{p}", "points": p} for p in (0, 5, 10)],
        },
        {
            "id": "craft",
            "title_en": "Craft",
            "title_ko": "완성도",
            "weight": 1,
            "levels": [{"id": f"craft-{p}", "name_en": f"{p}", "points": p} for p in (0, 5, 10)],
        },
    ]
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def recreate_pg_database(name: str) -> str:
    """Drop and create the PostgreSQL database *name*; return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def sample_png(path: Path, seed: int = 0) -> Path:
    """A small photo-like PNG (noise and stripes, 480x360, about 295 KB) that an image brief accepts."""
    from PIL import Image, ImageDraw

    image = Image.effect_noise((480, 360), 40 + seed % 20).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 480, 6):
        draw.line([(x, 0), (x, 359)], fill=((x + seed * 37) % 256, (x * 3) % 256, 160), width=2)
    image.save(path, "PNG")
    return path


def seed(app, trainees: int, instructors: int, cohort_size: int = 30, sign_ins: int = 0) -> dict:
    """Fill a fresh database in bulk; return the plan the Locust users read (logins and ids).

    Everybody but *sign_ins* people (spread over trainees and instructors) gets
    a session started now, as if they had signed in earlier that week (sessions
    last 14 days): its signed cookie is in the plan, so they come back signed in.
    """
    from lms.auth.services import hasher, start_session
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from projects.coursework import services
    from projects.coursework.models import Attempt, AttemptItem, Submission
    from projects.grading import rubrics

    with app.app_context():
        db.create_all()
        # One hash for everybody: hashing 310 passwords would cost a minute of Argon2 for nothing.
        password_hash = hasher().hash(PASSWORD)
        now = utcnow()
        programme = programmes.create_programme(code="LOAD", name_ko="부하 시험", name_en="Load test")
        staff = [
            User(
                email=f"instructor{i}@load.example",
                name=f"Instructor {i}",
                role=Role.INSTRUCTOR,
                password_hash=password_hash,
                locale="en",
            )
            for i in range(instructors)
        ]
        people = [
            User(
                email=f"trainee{i}@load.example",
                name=f"Trainee {i:03d}",
                role=Role.TRAINEE,
                password_hash=password_hash,
                locale="ko" if i % 2 else "en",
            )
            for i in range(trainees)
        ]
        db.session.add_all(staff + people)
        db.session.flush()
        rubric = rubrics.create_rubric(
            programme_id=programme.id,
            title_ko="부하 루브릭",
            title_en="Load rubric",
            by=staff[0],
            data=RUBRIC,
        )
        plan: dict = {
            "password": PASSWORD,
            "trainees": [],
            "instructors": [],
            "criteria": [
                {"id": c["id"], "levels": [lv["id"] for lv in c["levels"]]} for c in rubric.latest.criteria
            ],
        }
        groups = max(1, min(instructors, -(-trainees // cohort_size)))
        for n in range(groups):
            members = people[n::groups]
            cohort = programmes.create_cohort(
                programme,
                code=f"{n + 1}",
                name=f"Cohort {n + 1}",
                start_date=date(2026, 9, 1),
                end_date=date(2027, 2, 1),
            )
            teachers = staff[n::groups]
            for teacher in teachers:
                programmes.assign_instructor(cohort, teacher)
            db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=u.id) for u in members)
            studio = services.create_project(
                cohort,
                teachers[0],
                title_en="Key still",
                title_ko="대표 스틸컷",
                brief_en="Upload a still from your film.",
                due_at=now + timedelta(days=7),
            )
            image = services.save_deliverable(
                studio, name_en="Still", name_ko="스틸컷", kind="image", spec={"max_size_bytes": 5_000_000}
            )
            services.save_deliverable(studio, name_en="Note", name_ko="노트", kind="text", required=False)
            services.publish_project(studio)
            rubrics.attach(studio, rubric.latest)
            earlier = services.create_project(
                cohort,
                teachers[0],
                title_en="Storyboard",
                title_ko="스토리보드",
                due_at=now + timedelta(days=1),
            )
            note = services.save_deliverable(earlier, name_en="Storyboard", name_ko="스토리보드", kind="text")
            services.publish_project(earlier)
            rubrics.attach(earlier, rubric.latest)
            handed_in = []
            for user in members:
                submission = Submission(
                    project_id=earlier.id,
                    user_id=user.id,
                    people=[],
                    attempt_count=1,
                    ai_used=False,
                    last_late=False,
                    last_submitted_at=now,
                )
                submission.attempts.append(
                    Attempt(
                        number=1,
                        submitted_by_id=user.id,
                        submitted_at=now,
                        due_at=earlier.due_at,
                        late=False,
                        statement_accepted=True,
                        ai_used=False,
                        people=[],
                        items=[
                            AttemptItem(
                                deliverable_id=note.id, position=0, text="Scene 1: the workshop at dawn."
                            )
                        ],
                    )
                )
                db.session.add(submission)
                handed_in.append(submission)
            db.session.flush()
            for user in members:
                plan["trainees"].append(
                    {
                        "email": user.email,
                        "projects": [studio.id, earlier.id],
                        "work": studio.id,
                        "deliverable": image.id,
                    }
                )
            for teacher in teachers:
                plan["instructors"].append(
                    {
                        "email": teacher.email,
                        "cohort": cohort.id,
                        "projects": [earlier.id, studio.id],
                        "submissions": [s.id for s in handed_in],
                    }
                )
        signer = app.session_interface.get_signing_serializer(app)
        accounts = plan["instructors"] + plan["trainees"]
        fresh = (
            {id(a) for a in accounts[:: max(1, len(accounts) // sign_ins)][:sign_ins]} if sign_ins else set()
        )
        by_email = {u.email: u for u in staff + people}
        for account in accounts:
            if id(account) not in fresh:
                user = by_email[account["email"]]
                raw = start_session(user, "127.0.0.1", "Locust")
                account["cookie"] = signer.dumps(
                    {"sid": raw, "_user_id": str(user.id), "_fresh": False, "_permanent": True}
                )
        plan["cookie_name"] = app.config["SESSION_COOKIE_NAME"]
        db.session.commit()
    return plan


class LoadSampler(threading.Thread):
    """Samples the 1-minute load average every few seconds while the test runs."""

    def __init__(self, every: float = 5.0):
        super().__init__(daemon=True)
        self.every, self.samples, self.stopped = every, [], threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.samples.append(os.getloadavg()[0])


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the server's processes
    (workers die and respawn: a floor)."""
    import psutil

    total = 0.0
    for proc in psutil.Process(server.pid).children(recursive=True):
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


def stop(proc: subprocess.Popen | None, timeout: float = 40) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_stats(prefix: Path) -> tuple[list[dict], dict]:
    """Rows of Locust's ``<prefix>_stats.csv`` per request type, and its Aggregated row."""
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return [r for r in rows if r["Name"] != "Aggregated"], total


def report(rows: list[dict], total: dict, prefix: Path, loads: list[float], before: float, args) -> bool:
    def ms(row, key):
        value = row.get(key, "N/A")
        return "-" if value in ("N/A", "") else f"{float(value):.0f}"

    header = (
        f"{'request':<44} {'count':>6} {'fail':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in sorted(rows, key=lambda r: -int(r["Request Count"])) + [total]:
        name = "TOTAL" if row is total else f"{row['Type']} {row['Name']}"
        print(
            f"{name[:44]:<44} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):>6.1f} {ms(row, '50%'):>6} {ms(row, '95%'):>6} {ms(row, '99%'):>6} "
            f"{ms(row, 'Max Response Time'):>6}"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with open(failures, newline="") as fh:
            listed = list(csv.DictReader(fh))
        for failure in listed[:15]:
            print(
                f"  failure x{failure['Occurrences']}: {failure['Method']} {failure['Name']}: "
                f"{failure['Error'][:150]}"
            )
    errors = int(total["Failure Count"])
    p95 = float(total["95%"])
    ok = errors == 0 and p95 < GOAL_P95_MS
    during = f"{min(loads):.1f}-{max(loads):.1f}" if loads else "n/a"
    print(
        f"\nmachine: {os.cpu_count()} CPUs, load average (1 min) {before:.1f} before, {during} while running "
        f"(the server, its worker and Locust share these CPUs with whatever else runs)"
    )
    print(
        f"total: {float(total['Requests/s']):.1f} req/s, p50 {ms(total, '50%')} ms, p95 {p95:.0f} ms, "
        f"p99 {ms(total, '99%')} ms, {errors} failed of {total['Request Count']}"
    )
    print(f"goal (0 errors, p95 < {GOAL_P95_MS} ms) on {args.db}: {'MET' if ok else 'NOT met'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--users", type=int, default=310, help="trainees + instructors (default 310)")
    parser.add_argument("--instructors", type=int, default=10)
    parser.add_argument("--run-time", default="90s", help="Locust --run-time, ramp included (default 90s)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users arriving per second (default 10)")
    parser.add_argument(
        "--sign-ins",
        type=int,
        default=31,
        help="people who sign in during the run (Argon2id: ~0.2 s of CPU each); the others come "
        "back with a session from earlier in the week (default 31, a tenth)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (4 threads each, as lms serve)"
    )
    parser.add_argument(
        "--broker",
        choices=("auto", "sqlite", "redis"),
        default="auto",
        help="job queue: SQLite transport (embedded default) or Redis db 14/15; auto: Redis "
        "with PostgreSQL when it answers, SQLite otherwise",
    )
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and logs")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix=f"gongbang-load-{args.db}-"))
    instance = folder / "instance"
    env = dict(
        os.environ, LMS_INSTANCE_PATH=str(instance), LMS_SESSION_COOKIE_SECURE="false", PYTHONUNBUFFERED="1"
    )
    for key in [
        k for k in env if k.startswith("LMS_") and k not in ("LMS_INSTANCE_PATH", "LMS_SESSION_COOKIE_SECURE")
    ]:
        del env[key]  # the benchmark's instance only: no settings leaking in from the shell
        os.environ.pop(key, None)
    if args.db == "postgresql":
        if not reachable("127.0.0.1", 5432):
            sys.exit("PostgreSQL does not answer on 127.0.0.1:5432")
        env["LMS_DATABASE_URL"] = recreate_pg_database("test_load")
    broker = args.broker
    if broker == "auto":
        broker = "redis" if args.db == "postgresql" and reachable("127.0.0.1", 6379) else "sqlite"
    if broker == "redis":
        env["LMS_CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{REDIS_DBS[0]}"
        env["LMS_CELERY_RESULT_BACKEND"] = f"redis://127.0.0.1:6379/{REDIS_DBS[1]}"
        for url in (env["LMS_CELERY_BROKER_URL"], env["LMS_CELERY_RESULT_BACKEND"]):
            flush_redis(url)
    server = None
    try:
        os.environ.update(env)
        from lms import create_app

        started = time.perf_counter()
        app = create_app()
        plan = seed(app, args.users - args.instructors, args.instructors, sign_ins=args.sign_ins)
        with app.app_context():
            from lms.extensions import db

            db.engine.dispose()
        plan["sample"] = str(sample_png(folder / "still.png"))
        plan_path = folder / "plan.json"
        plan_path.write_text(json.dumps(plan))
        print(
            f"instance {folder}: {len(plan['trainees'])} trainees, {len(plan['instructors'])} instructors, "
            f"{2 * len({i['cohort'] for i in plan['instructors']})} projects, {args.db}, jobs on {broker}; "
            f"built in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        port = free_port()
        log = folder / "server.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "lms.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            cwd=ROOT,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(f"http://127.0.0.1:{port}/healthz", server, log)
        before = os.getloadavg()[0]
        print(
            f"serving on 127.0.0.1:{port} (gunicorn {args.workers} workers x 4 threads + 1 job worker); "
            f"Locust: {args.users} users at {args.spawn_rate}/s for {args.run_time}",
            flush=True,
        )
        sampler = LoadSampler()
        sampler.start()
        cpu_before = server_cpu(server)
        locust_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        prefix = folder / "locust"
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=dict(env, LMS_LOAD_PLAN=str(plan_path)),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        sampler.stopped.set()
        cpu = server_cpu(server) - cpu_before
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = after.ru_utime + after.ru_stime - locust_cpu.ru_utime - locust_cpu.ru_stime
        if not Path(f"{prefix}_stats.csv").exists():
            sys.exit(f"Locust failed:\n{locust.stdout[-2000:]}\n{locust.stderr[-3000:]}")
        rows, total = read_stats(prefix)
        print()
        ok = report(rows, total, prefix, sampler.samples, before, args)
        count = int(total["Request Count"])
        print(
            f"CPU: server (gunicorn workers + job worker) {cpu:.0f} s = {1000 * cpu / max(1, count):.0f} ms "
            f"per request; Locust {locust_cpu:.0f} s. On {os.cpu_count()} otherwise idle CPUs the server "
            f"alone would serve about {os.cpu_count() * count / max(cpu, 0.001):.0f} req/s of this mix."
        )
        server_errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Traceback" in line or "[ERROR]" in line
        ]
        if server_errors:
            print(f"server log: {len(server_errors)} error line(s), first: {server_errors[0][:200]}")
    finally:
        stop(server)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
