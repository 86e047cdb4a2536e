"""Crash trials: kill the web process or the worker in the middle of real work, restart,
check nothing is lost.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/crash.py [--trials 200] [--db sqlite|postgresql] [--seed 1] [--json FILE]

Builds a throwaway instance (SQLite in WAL mode with Celery's SQLite transport, or PostgreSQL with Redis),
starts gunicorn (as ``lms serve`` does) and ``lms worker --beat``, and drives them over HTTP as the people
would: a trainee uploads over tus (API token) and hands in through the web form (session and CSRF), an
instructor saves grades and releases them (API). Each trial arms one crash point (``LMS_CRASH_AT``, see
:mod:`lms.faults`: the process ``os._exit``\\ s there, as under ``kill -9``) or sends SIGKILL to the whole web
or worker process group after a random delay. Then, as after a real crash: gunicorn replaces its dead
worker (or is started again), the client retries the way tus-js-client and a person would, the worker is
started again, and the trial checks that

- no submission is lost or half-registered: the upload is registered exactly once and reaches the draft,
  a hand-in is all there or not at all, a grade or a release is whole or absent (never half of it);
- every job completes (the uploads reach ready, rejected or failed);
- ``lms check`` finds nothing (no orphan file, no missing file, no summary mismatch); when it does, the
  trial runs ``lms check --repair`` and counts whether that made it clean.

``MEDIA_STALLED_MINUTES`` is 0.05 here (3 s instead of 30 min) so the sweep that takes up stranded jobs runs
within a trial; everything else is the shipped configuration.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "crash-trial-password-2026"
#: (operation, crash point) pairs; "kill-web" / "kill-worker" are SIGKILLs after a random delay.
PLAN = (
    [
        ("upload", p)
        for p in (
            "upload.hashed",
            "upload.stored",
            "upload.registered",
            "upload.attached",
            "commit.before_enqueue",
            "upload.committed",
            "kill-web",
        )
    ]
    + [
        ("submit", "submit.flushed"),
        ("grade", "grade.flushed"),
        ("release", "release.one"),
        ("release", "commit.before_enqueue"),
    ]
    + [("media", p) for p in ("media.started", "media.rendered", "kill-worker")]
)
RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Story",
            "title_ko": "구성",
            "levels": [
                {"id": "weak", "points": 0},
                {"id": "good", "points": 5},
                {"id": "great", "min_points": 6, "max_points": 10},
            ],
        },
        {
            "id": "tech",
            "title_en": "Technical",
            "title_ko": "기술",
            "technical": True,
            "levels": [{"id": "fail", "points": 0}, {"id": "pass", "points": 10}],
        },
    ]
}


class TrialFailed(AssertionError):
    """An invariant did not hold after the crash and the recovery."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def png(rng: random.Random, size=(48, 36)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


def clips(folder: Path, count: int) -> list[bytes]:
    """A few distinct short H.264 clips (test pattern, different lengths) for the worker's trials."""
    from media.ffmpeg import ffmpeg_exe

    out = []
    for n in range(count):
        path = folder / f"clip{n}.mp4"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=320x240:rate=25:duration={2 + n * 0.4}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                str(path),
            ],
            check=True,
            timeout=120,
        )
        out.append(path.read_bytes())
    return out


class Lab:
    """One instance, its gunicorn and its worker, and the people who use it."""

    def __init__(self, folder: Path, db: str, seed: int):
        self.folder, self.rng = folder, random.Random(seed)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.armed = folder / "crash-armed"
        self.env = dict(
            os.environ,
            LMS_INSTANCE_PATH=str(folder / "instance"),
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_SESSION_COOKIE_SECURE="false",
            LMS_MEDIA_STALLED_MINUTES="0.05",
            LMS_BABEL_DEFAULT_LOCALE="en",
            LMS_PUBLIC_URL=self.base,  # links in e-mails (`lms check` reports an installation without it)
            PYTHONPATH=str(ROOT),
        )
        if db == "postgresql":
            name = "bench_resilience_crash"
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
                check=True,
            )
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True
            )
            self.env["LMS_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            import redis

            redis.Redis(db=12).flushdb()
            self.env["LMS_CELERY_BROKER_URL"] = self.env["LMS_CELERY_RESULT_BACKEND"] = (
                "redis://127.0.0.1:6379/12"
            )
        # The harness's own app (seeding, assertions) runs with the same settings but no crash points.
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("LMS_")})
        self.env["LMS_CRASH_AT"] = "@" + str(self.armed)
        from lms import create_app

        self.app = create_app({"CELERY_ALWAYS_EAGER": True})
        self.web = self.worker = None
        self.restarting = False  # a trial's thread is killing and starting gunicorn again
        self.logs = {name: open(folder / f"{name}.log", "ab") for name in ("web", "worker", "check")}

    # Processes

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "5",
                "lms:create_app()",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.logs["web"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_web()

    def wait_web(self, timeout=60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            if self.web.poll() is not None and not self.restarting:
                raise RuntimeError("gunicorn exited; see web.log")
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer")

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "lms.cli", "worker", "--concurrency", "1", "--beat"],
            env=self.env,
            cwd=ROOT,
            stdout=self.logs["worker"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @staticmethod
    def kill(proc: subprocess.Popen | None) -> None:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        for proc in (self.web, self.worker):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    self.kill(proc)

    def drop_databases(self, *names: str) -> None:
        """Remove the PostgreSQL databases and the Redis keys a run made (nothing on SQLite)."""
        if "LMS_DATABASE_URL" not in self.env:
            return
        for name in (self.env["LMS_DATABASE_URL"].rsplit("/", 1)[1], *names):
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                ],
                check=False,
            )
        import redis

        redis.Redis(db=12).flushdb()

    def arm(self, point: str) -> None:
        Path(str(self.armed) + ".fired").unlink(missing_ok=True)
        tmp = self.folder / "crash-armed.tmp"
        tmp.write_text(point)
        os.replace(tmp, self.armed)

    def fired(self) -> bool:
        """Whether a process died at the armed point (and disarm)."""
        fired = Path(str(self.armed) + ".fired")
        done = fired.exists()
        fired.unlink(missing_ok=True)
        self.armed.unlink(missing_ok=True)
        return done

    # Data

    def seed(self, trainees: int = 3) -> None:
        """People, a cohort, a published project (an image and a video deliverable, a rubric),
        tokens, logins."""
        from datetime import date, timedelta

        from lms.api.services import create_token
        from lms.auth.services import hasher
        from lms.db import utcnow
        from lms.extensions import db
        from lms.jobs import commit
        from lms.programmes import services as programmes
        from lms.users.models import Role, User
        from media import services as media
        from projects.coursework import services, submissions
        from projects.grading import rubrics
        from projects.grading import services as marking

        with self.app.app_context():
            db.create_all()
            hashed = hasher().hash(PASSWORD)
            instructor = User(
                email="instructor@crash.example",
                name="Instructor",
                role=Role.INSTRUCTOR,
                password_hash=hashed,
                locale="en",
            )
            people = [
                User(
                    email=f"t{n}@crash.example",
                    name=f"Trainee {n}",
                    role=Role.TRAINEE,
                    password_hash=hashed,
                    locale="en",
                )
                for n in range(trainees)
            ]
            db.session.add_all([instructor, *people])
            programme = programmes.create_programme(code="CRASH", name_ko="충돌", name_en="Crash")
            cohort = programmes.create_cohort(
                programme,
                code="1",
                name="Crash cohort",
                start_date=date(2026, 9, 1),
                end_date=date(2027, 2, 1),
            )
            programmes.assign_instructor(cohort, instructor)
            for person in people:
                programmes.enrol_trainee(cohort, person)
            project = services.create_project(
                cohort,
                instructor,
                title_en="Crash film",
                title_ko="영상",
                due_at=utcnow() + timedelta(days=30),
            )
            image = services.save_deliverable(project, name_en="Poster", kind="image")
            video = services.save_deliverable(project, name_en="Clip", kind="video", required=False)
            rubric = rubrics.create_rubric(
                programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=instructor
            )
            rubrics.attach(project, rubric.latest)
            services.publish_project(project)
            commit()
            self.project_id, self.image_id, self.video_id = project.id, image.id, video.id
            self.instructor_token = create_token(instructor, "crash", "read write")[1]
            self.trainees = []
            for person in people:
                # One first hand-in each (checked eagerly here), so there is something to grade and release.
                upload = media.register_upload(
                    person, io.BytesIO(png(self.rng)), filename="first.png", spec=image.media_spec
                )
                commit()
                submission = submissions.submission_for(project, person, create=True)
                submissions.attach_upload(submission, image, upload)
                submissions.save_declarations(submission, ai_used=False)
                submissions.submit(submission, person, statement_accepted=True)
                marking.start_assessment(submission, instructor)
                token = create_token(person, "crash", "read write")[1]
                commit()
                self.trainees.append(
                    {"id": person.id, "email": person.email, "token": token, "submission": submission.id}
                )
        for trainee in self.trainees:
            trainee["web"] = self.login(trainee["email"])

    def login(self, email: str) -> requests.Session:
        web = requests.Session()
        page = web.get(self.base + "/auth/login", timeout=10)
        response = web.post(
            self.base + "/auth/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf(page.text)},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:300]
        return web

    def query(self, fn):
        """Run *fn* against the database as it is now (a fresh session each time)."""
        from lms.extensions import db

        with self.app.app_context():
            try:
                return fn(db)
            finally:
                db.session.remove()

    # Clients

    def api(self, method: str, path: str, token: str, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en", **kw.pop("headers", {})}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kw)

    def retrying(self, call):
        """Call until the server answers (gunicorn replaces a worker that died within a second or so)."""
        for _ in range(100):
            try:
                return call()
            except requests.ConnectionError:
                self.wait_web()
        raise RuntimeError("the server never answered")

    def tus_upload(self, token: str, context: str, data: bytes, chunk: int = 256 * 1024) -> tuple[int, int]:
        """Upload *data* as tus-js-client would, resuming after any failure;
        returns (media id, interruptions)."""
        tus = {"Tus-Resumable": "1.0.0"}
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {
                "filename": "work.bin",
                "filetype": "application/octet-stream",
                "context": context,
            }.items()
        )
        created = self.retrying(
            lambda: self.api(
                "POST",
                "/api/v1/uploads/",
                token,
                headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
            )
        )
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        offset, interruptions = 0, 0
        while True:
            try:
                if offset == len(data):
                    answer = self.api("HEAD", location, token, headers=tus)
                else:
                    answer = self.api(
                        "PATCH",
                        location,
                        token,
                        data=data[offset : offset + chunk],
                        headers={
                            **tus,
                            "Upload-Offset": str(offset),
                            "Content-Type": "application/offset+octet-stream",
                        },
                    )
                if answer.status_code == 423:
                    time.sleep(0.2)
                    continue
                assert answer.status_code in (200, 204), (answer.status_code, answer.text)
                if "Gongbang-Media-Id" in answer.headers:
                    return int(answer.headers["Gongbang-Media-Id"]), interruptions
                offset = int(answer.headers["Upload-Offset"])
            except (requests.ConnectionError, requests.Timeout):
                interruptions += 1
                self.wait_web()
                head = self.retrying(lambda: self.api("HEAD", location, token, headers=tus))
                if "Gongbang-Media-Id" in head.headers:
                    return int(head.headers["Gongbang-Media-Id"]), interruptions
                offset = int(head.headers["Upload-Offset"])

    def wait_jobs(self, timeout: float = 90.0) -> bool:
        """Until no upload is pending or processing; False on timeout."""
        from media.models import MediaFile, MediaStatus

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.query(
                lambda db: db.session.scalar(
                    db.select(db.func.count())
                    .select_from(MediaFile)
                    .where(MediaFile.status.in_([MediaStatus.PENDING, MediaStatus.PROCESSING]))
                )
            )
            if not busy:
                return True
            if self.worker.poll() is not None:
                self.start_worker()  # a worker killed outright is started again, as a supervisor would
            time.sleep(0.3)
        return False

    def check(self) -> list:
        from datetime import timedelta

        from lms.check import run_checks

        return self.query(lambda db: run_checks(grace=timedelta(0)))

    def repair(self) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "lms.cli", "check", "--repair", "--grace-minutes", "0"],
            env={k: v for k, v in self.env.items() if k != "LMS_CRASH_AT"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.logs["check"].write(done.stdout.encode() + done.stderr.encode())
        return done.stdout


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


# Operations: each returns facts for its invariants; the crash happens inside the request it makes.


def op_upload(lab: Lab, point: str, trainee: dict) -> dict:
    from media.models import MediaFile

    data = png(lab.rng, size=(800, 600)) if point == "kill-web" else png(lab.rng)
    sha = hashlib.sha256(data).hexdigest()
    killer = None
    if point == "kill-web":
        # SIGKILL gunicorn (master and workers) somewhere inside the upload, then start it again.
        delay = lab.rng.uniform(0.0, 0.3)

        def kill_later():
            time.sleep(delay)
            lab.restarting = True
            try:
                lab.kill(lab.web)
                lab.start_web()
            finally:
                lab.restarting = False

        import threading

        killer = threading.Thread(target=kill_later)
        killer.start()
    media_id, interruptions = lab.tus_upload(
        trainee["token"], f"deliverable:{lab.image_id}", data, chunk=64 * 1024 if killer else 256 * 1024
    )
    if killer:
        killer.join()
    rows = lab.query(
        lambda db: [
            (m.id, m.owner_id)
            for m in db.session.scalars(db.select(MediaFile).where(MediaFile.sha256 == sha))
        ]
    )
    if rows != [(media_id, trainee["id"])]:
        raise TrialFailed(f"upload registered as {rows}, the client was told {media_id}")
    # A kill that came after the last answer interrupted nothing: the trial counts it as a miss.
    return {"media_id": media_id, "hit": interruptions > 0}


def check_upload(lab: Lab, facts: dict, trainee: dict) -> None:
    from media.models import MediaFile
    from projects.coursework.models import DraftItem

    def draft(db):
        item = db.session.scalar(
            db.select(DraftItem).where(
                DraftItem.submission_id == trainee["submission"], DraftItem.deliverable_id == lab.image_id
            )
        )
        media = db.session.get(MediaFile, facts["media_id"])
        return item.media_id, media.status.value

    current, status = lab.query(draft)
    if status != "ready" or current != facts["media_id"]:
        raise TrialFailed(f"media {facts['media_id']} is {status} and the draft holds {current}")


def op_submit(lab: Lab, point: str, trainee: dict) -> dict:
    from projects.coursework.models import Attempt

    count = lambda db: db.session.scalar(
        db.select(db.func.count())
        .select_from(Attempt)
        .where(  # noqa: E731
            Attempt.submission_id == trainee["submission"]
        )
    )
    before = lab.query(count)
    web = trainee["web"]
    page = lab.retrying(lambda: web.get(f"{lab.base}/projects/{lab.project_id}/work", timeout=30))
    token = csrf(page.text)  # one token per session serves every form
    lab.arm(point)
    try:
        answer = web.post(
            f"{lab.base}/projects/{lab.project_id}/work/submit",
            data={"csrf_token": token, "statement": "y"},
            allow_redirects=False,
            timeout=30,
        )
        handed_in = answer.status_code == 302 and "/attempts/" in answer.headers.get("Location", "")
    except requests.ConnectionError:
        handed_in = None  # the trainee does not know: they look at their submission
    lab.wait_web()
    after = lab.query(count)
    if after not in (before, before + 1) or (handed_in is True and after != before + 1):
        raise TrialFailed(f"attempts went from {before} to {after} (answer: {handed_in})")
    return {"attempts": (before, after)}


def op_grade(lab: Lab, point: str, trainee: dict) -> dict:
    path = f"/api/v1/projects/{lab.project_id}/submissions/{trainee['submission']}/assessment"
    current = lab.retrying(lambda: lab.api("GET", path, lab.instructor_token)).json()
    points = str(lab.rng.randint(6, 10))
    marks = {"story": {"level_id": "great", "points": points}, "tech": {"level_id": "pass"}}
    body = {"version": current["version"], "status": "ready", "marks": marks, "feedback": f"Trial {points}"}
    lab.arm(point)
    try:
        lab.api("PUT", path, lab.instructor_token, json=body)
    except requests.ConnectionError:
        pass
    lab.wait_web()
    seen = lab.retrying(lambda: lab.api("GET", path, lab.instructor_token)).json()
    saved = seen["version"] != current["version"]
    if saved and (seen["feedback"] != body["feedback"] or seen["marks"]["story"]["points"] != points):
        raise TrialFailed(f"half a grade was saved: {seen}")
    if not saved and (seen["marks"] != current["marks"] or seen["feedback"] != current["feedback"]):
        raise TrialFailed("the grade changed without a new version")
    if not saved:  # the grader saves again, as the form would after the error
        again = lab.retrying(lambda: lab.api("PUT", path, lab.instructor_token, json=body))
        assert again.status_code == 200, again.text
    return {"saved_before_crash": saved}


def op_release(lab: Lab, point: str, _trainee: dict) -> dict:
    from projects.grading.models import Assessment, MarkingStatus

    def ready(db):
        return {a.id: (a.status.value, a.released_at) for a in db.session.scalars(db.select(Assessment))}

    for (
        trainee
    ) in lab.trainees:  # hand in again and grade: every assessment ready, so a release has several to do
        op_submit(lab, "none", trainee)
        op_grade(lab, "none", trainee)
    before = lab.query(ready)
    lab.arm(point)
    try:
        lab.api("POST", f"/api/v1/projects/{lab.project_id}/release", lab.instructor_token)
    except requests.ConnectionError:
        pass
    lab.wait_web()
    after = lab.query(ready)
    changed = {k for k in before if before[k] != after[k]}
    if changed and changed != {k for k, v in before.items() if v[0] == MarkingStatus.READY.value}:
        raise TrialFailed(f"a release went half-way: {before} -> {after}")
    if any(v[0] == "released" and v[1] is None for v in after.values()):
        raise TrialFailed("released without a time")
    answer = lab.retrying(
        lambda: lab.api("POST", f"/api/v1/projects/{lab.project_id}/release", lab.instructor_token)
    )
    assert answer.status_code == 200, answer.text
    return {"released_before_crash": bool(changed)}


def op_media(lab: Lab, point: str, trainee: dict) -> dict:
    """A video through the worker: crash inside the job, or SIGKILL the whole worker after a random delay."""
    from media.models import MediaFile

    data = lab.rng.choice(lab.clips)
    media_id, _ = lab.tus_upload(trainee["token"], f"deliverable:{lab.video_id}", data)
    hit = True
    if point == "kill-worker":
        # Somewhere inside the job: once the worker has taken it, within the time a clip takes here.
        deadline = time.monotonic() + 30
        while (
            lab.query(lambda db: db.session.get(MediaFile, media_id).status.value) == "pending"
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(lab.rng.uniform(0.0, 0.5))
        lab.kill(lab.worker)
        hit = lab.query(lambda db: not db.session.get(MediaFile, media_id).status.done)
        lab.start_worker()
    if not lab.wait_jobs():
        return {"media_id": media_id, "hit": hit}
    status = lab.query(lambda db: db.session.get(MediaFile, media_id).status.value)
    if status != "ready":
        raise TrialFailed(f"media {media_id} ended {status}")
    return {"media_id": media_id, "hit": hit}


OPS = {"upload": op_upload, "submit": op_submit, "grade": op_grade, "release": op_release, "media": op_media}


def run_trial(lab: Lab, op: str, point: str) -> dict:
    trainee = lab.rng.choice(lab.trainees)
    started = time.monotonic()
    if op in ("upload", "media") and not point.startswith("kill"):
        lab.arm(point)
    facts = OPS[op](lab, point, trainee)
    crashed = facts["hit"] if point.startswith("kill") else lab.fired()
    lab.wait_web()
    completed = lab.wait_jobs()
    repaired = None
    if not completed:
        repaired = lab.repair()
        completed = lab.wait_jobs()
    if op == "upload":
        check_upload(lab, facts, trainee)
    findings = lab.check()
    first = [f"{f.code} {f.subject}" for f in findings]
    if findings:
        repaired = lab.repair()
        lab.wait_jobs()
        findings = lab.check()
    return {
        "op": op,
        "point": point,
        "crashed": crashed,
        "jobs_done": completed,
        "needed_repair": repaired is not None,
        "clean": not findings,
        "findings": [f"{f.code} {f.subject}" for f in findings],
        "found_first": first,
        "seconds": time.monotonic() - started,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write every trial's result here")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder (logs) afterwards")
    parser.add_argument("--points", help="only these trials, e.g. upload/upload.stored,media/kill-worker")
    parser.add_argument("--clips", type=int, default=4, help="distinct video clips for the worker's trials")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="lms-crash-"))
    lab = Lab(folder, args.db, args.seed)
    results, failures = [], []
    t0 = time.monotonic()
    try:
        lab.clips = clips(folder, args.clips)
        lab.start_web()
        lab.start_worker()
        lab.seed()
        chosen = [tuple(p.split("/", 1)) for p in args.points.split(",")] if args.points else PLAN
        unknown = set(chosen) - set(PLAN)
        if unknown:
            parser.error(f"unknown trials: {sorted(unknown)}")
        plan = [chosen[n % len(chosen)] for n in range(args.trials)]
        lab.rng.shuffle(plan)
        for n, (op, point) in enumerate(plan, 1):
            try:
                result = run_trial(lab, op, point)
            except TrialFailed as exc:
                result = {
                    "op": op,
                    "point": point,
                    "crashed": True,
                    "jobs_done": False,
                    "needed_repair": False,
                    "clean": False,
                    "findings": [f"FAILED: {exc}"],
                    "seconds": 0.0,
                }
                failures.append((n, op, point, str(exc)))
            except Exception as exc:  # noqa: BLE001 — the harness itself broke: report what ran so far
                print(
                    f"\ntrial {n} {op}/{point} stopped the run: {type(exc).__name__}: {exc}", file=sys.stderr
                )
                failures.append((n, op, point, f"harness stopped: {exc}"))
                break
            results.append(result)
            print(f"\r{n}/{args.trials} trials", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        lab.stop()
        lab.drop_databases()
    print_table(results, args, time.monotonic() - t0)
    for n, op, point, why in failures:
        print(f"trial {n} {op}/{point} FAILED: {why}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.keep or failures:
        print(f"instance and logs: {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 1 if any(not r["clean"] or not r["jobs_done"] for r in results) else 0


def print_table(results: list[dict], args, seconds: float) -> None:
    rows, times = defaultdict(Counter), defaultdict(list)
    for r in results:
        c = rows[(r["op"], r["point"])]
        c["trials"] += 1
        c["crashed"] += r["crashed"]
        c["jobs_done"] += r["jobs_done"]
        c["repair"] += r["needed_repair"]
        c["clean"] += r["clean"]
        times[(r["op"], r["point"])].append(r["seconds"])
    print(f"\nCrash trials on {args.db} ({len(results)} trials, seed {args.seed}, {seconds:.0f} s)\n")
    print(
        "| operation | crash point | trials | died mid-operation | jobs completed | "
        "needed `lms check --repair` "
        "| clean afterwards | median s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total = Counter()
    for (op, point), c in sorted(rows.items()):
        print(
            f"| {op} | {point} | {c['trials']} | {c['crashed']} | {c['jobs_done']} | {c['repair']} | "
            f"{c['clean']} | {statistics.median(times[(op, point)]):.1f} |"
        )
        total.update(c)
    print(
        f"| **all** | | {total['trials']} | {total['crashed']} | {total['jobs_done']} | {total['repair']} | "
        f"{total['clean']} | {statistics.median([t for v in times.values() for t in v]):.1f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
