"""Several machines on one: two web processes and two job workers on PostgreSQL + Redis,
one shared storage folder.

Run from the repository root (needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379)::

    .venv/bin/python bench/cluster.py [--uploads 6] [--json]

It drops and creates the database ``test_cluster``, empties Redis databases 14
(broker) and 15 (results), and starts, each with its own instance folder (so
that nothing but the database, Redis and the storage folder is shared, as on
separate machines), in production mode with one shared secret key:

- web A and web B: gunicorn as ``lms serve --no-worker`` runs it, on two ports;
- worker 1 and worker 2: Celery workers named ``worker1@cluster`` and
  ``worker2@cluster`` (``lms worker`` on two machines; here ``-n`` tells them
  apart on one host), concurrency 1 each.

Then, through HTTP only: a trainee starts a resumable upload on A, sends half
of it through B and finishes it on A; more uploads alternate between A and B;
whichever worker is free checks each file; the trainee follows the checks and
hands in through B; an instructor's assessment saved through A with the version
read from B is accepted, and the same stale version sent again through B is
refused with 409; the grade is released through B and the trainee reads it on A.
The report says which worker checked which file (from each worker's own log,
and the per-worker task totals Celery's remote control reports).  Exit status 0
when every step did what it should.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # noqa: E402
    PASSWORD,
    REDIS_DBS,
    ROOT,
    RUBRIC,
    flush_redis,
    free_port,
    reachable,
    recreate_pg_database,
    sample_png,
    stop,
    wait_for,
)

WORKERS = ("worker1@cluster", "worker2@cluster")


def seed(env: dict, trainees: int) -> dict:
    """One cohort, an instructor with an API token, *trainees* trainees and a project asking for an image."""
    from datetime import date, timedelta

    os.environ.update(env)
    from lms import create_app
    from lms.api.services import create_token
    from lms.auth.services import hasher
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from projects.coursework import services
    from projects.grading import rubrics

    app = create_app()
    with app.app_context():
        db.create_all()
        password_hash = hasher().hash(PASSWORD)
        teacher = User(
            email="instructor@cluster.example",
            name="Instructor",
            role=Role.INSTRUCTOR,
            password_hash=password_hash,
            locale="en",
        )
        people = [
            User(
                email=f"trainee{i}@cluster.example",
                name=f"Trainee {i}",
                role=Role.TRAINEE,
                password_hash=password_hash,
                locale="en",
            )
            for i in range(trainees)
        ]
        db.session.add_all([teacher, *people])
        db.session.flush()
        programme = programmes.create_programme(code="CLU", name_ko="클러스터", name_en="Cluster")
        cohort = programmes.create_cohort(
            programme, code="1", name="Cohort 1", start_date=date(2026, 9, 1), end_date=date(2027, 2, 1)
        )
        programmes.assign_instructor(cohort, teacher)
        db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=u.id) for u in people)
        project = services.create_project(
            cohort, teacher, title_en="Key still", due_at=utcnow() + timedelta(days=7)
        )
        image = services.save_deliverable(
            project, name_en="Still", kind="image", spec={"max_size_bytes": 5_000_000}
        )
        services.publish_project(project)
        rubric = rubrics.create_rubric(
            programme_id=programme.id, title_ko="루브릭", title_en="Rubric", by=teacher, data=RUBRIC
        )
        rubrics.attach(project, rubric.latest)
        _token, raw = create_token(teacher, "cluster", "read write")
        db.session.commit()
        plan = {
            "project": project.id,
            "deliverable": image.id,
            "token": raw,
            "trainees": [u.email for u in people],
            "instructor": teacher.email,
            "marks": {c["id"]: {"level_id": c["levels"][-1]["id"]} for c in rubric.latest.criteria},
        }
        db.engine.dispose()
    return plan


class Browser:
    """A person's browser: one cookie jar (sent to both web processes, as behind one proxy),
    the CSRF token."""

    def __init__(self, email: str):
        self.http = requests.Session()
        self.email, self.token = email, ""

    def sign_in(self, base: str) -> None:
        page = self.http.get(f"{base}/auth/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = self.http.post(
            f"{base}/auth/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert answer.status_code == 302, f"sign-in of {self.email} refused ({answer.status_code})"
        self.token = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', self.http.get(f"{base}/dashboard").text
        ).group(1)

    def tus(self, method: str, url: str, **headers) -> requests.Response:
        body = headers.pop("body", None)
        return self.http.request(
            method,
            url,
            data=body,
            allow_redirects=False,
            headers={"Tus-Resumable": "1.0.0", "X-CSRFToken": self.token, **headers},
        )


def upload(browser: Browser, data: bytes, deliverable: int, parts: list[str]) -> tuple[int, list[str]]:
    """Create the upload on parts[0], send one PATCH per further web process in *parts*;
    return the media id."""
    meta = {"filename": "still.png", "filetype": "image/png", "context": f"deliverable:{deliverable}"}
    encoded = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
    created = browser.tus(
        "POST", f"{parts[0]}/media/uploads/", **{"Upload-Length": str(len(data)), "Upload-Metadata": encoded}
    )
    assert created.status_code == 201, (created.status_code, created.text)
    path = created.headers["Location"].split("://", 1)[-1].split("/", 1)[-1]
    steps, offset = [f"created on {parts[0]}"], 0
    pieces = parts[1:]
    for n, base in enumerate(pieces):
        if n:
            head = browser.tus("HEAD", f"{base}/{path}")
            assert head.status_code == 200 and int(head.headers["Upload-Offset"]) == offset, head.headers
        end = len(data) if n == len(pieces) - 1 else offset + len(data) // len(pieces)
        sent = browser.tus(
            "PATCH",
            f"{base}/{path}",
            body=data[offset:end],
            **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        )
        assert sent.status_code == 204, (sent.status_code, sent.text)
        offset = int(sent.headers["Upload-Offset"])
        steps.append(f"bytes up to {offset} of {len(data)} through {base}")
    media = int(sent.headers["Gongbang-Media-Id"])
    return media, steps


def wait_ready(browser: Browser, base: str, media_id: int, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = browser.http.get(f"{base}/media/{media_id}/status").json()["status"]
        if status in ("ready", "rejected", "failed"):
            return status
        time.sleep(0.5)
    return "timeout"


def worker_of_media(logs: dict[str, Path]) -> dict[int, str]:
    """media id -> the worker whose log says it finished checking it ("media N ready (ok)")."""
    found = {}
    for name, path in logs.items():
        for match in re.finditer(
            r"\bmedia (\d+) (ready|rejected|failed)\b", path.read_text(errors="replace")
        ):
            found[int(match.group(1))] = name
    return found


def run(args) -> dict:  # noqa: C901  (one flow read top to bottom; splitting would scatter it)
    for host, port, what in (("127.0.0.1", 5432, "PostgreSQL"), ("127.0.0.1", 6379, "Redis")):
        if not reachable(host, port):
            raise SystemExit(f"{what} does not answer on {host}:{port}")
    folder = Path(tempfile.mkdtemp(prefix="gongbang-cluster-"))
    shared = folder / "shared-storage"  # the NFS mount (or bucket gateway) every machine sees
    broker, results = (f"redis://127.0.0.1:6379/{n}" for n in REDIS_DBS)
    for url in (broker, results):
        flush_redis(url)
    common = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    common.update(
        LMS_MODE="production",
        LMS_PUBLIC_URL="http://127.0.0.1",  # links in e-mails (production mode requires it)
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_DATABASE_URL=recreate_pg_database("test_cluster"),
        LMS_CELERY_BROKER_URL=broker,
        LMS_CELERY_RESULT_BACKEND=results,
        LMS_MEDIA_ROOT=str(shared),
        LMS_SESSION_COOKIE_SECURE="false",
        PYTHONUNBUFFERED="1",
    )
    report: dict = {"steps": [], "ok": True}

    def check(what: str, ok: bool) -> None:
        report["steps"].append({"step": what, "ok": bool(ok)})
        report["ok"] = report["ok"] and bool(ok)
        if not args.json:
            print(f"  [{'ok' if ok else 'FAILED'}] {what}", flush=True)

    procs: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}
    try:
        plan = seed(dict(common, LMS_INSTANCE_PATH=str(folder / "seed")), trainees=args.uploads)
        ports = {"web-a": free_port(), "web-b": free_port()}
        for name, port in ports.items():
            logs[name] = folder / f"{name}.log"
            procs[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "lms:create_app()",
                ],
                cwd=ROOT,
                stdout=open(logs[name], "wb"),
                stderr=subprocess.STDOUT,
                env=dict(common, LMS_INSTANCE_PATH=str(folder / name)),
            )
        for name in WORKERS:
            short = name.split("@")[0]
            logs[name] = folder / f"{short}.log"
            procs[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "lms.worker:celery",
                    "worker",
                    "-n",
                    name,
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "1",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                stdout=open(logs[name], "wb"),
                stderr=subprocess.STDOUT,
                env=dict(common, LMS_INSTANCE_PATH=str(folder / short)),
            )
        a, b = (f"http://127.0.0.1:{ports[n]}" for n in ("web-a", "web-b"))
        for name, base in (("web-a", a), ("web-b", b)):
            wait_for(f"{base}/healthz", procs[name], logs[name])
        celery = celery_app(broker, results)
        deadline = time.monotonic() + 60
        while {name for reply in celery.control.ping(timeout=1.0) for name in reply} != set(WORKERS):
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start:\n" + logs[WORKERS[0]].read_text()[-2000:])
        if not args.json:
            print(f"web A {a}, web B {b}, workers {', '.join(WORKERS)}; shared storage {shared}", flush=True)

        project, pngs = (
            plan["project"],
            [sample_png(folder / f"still-{i}.png", seed=i) for i in range(args.uploads)],
        )
        trainees = [Browser(email) for email in plan["trainees"]]
        for n, trainee in enumerate(trainees):
            trainee.sign_in(a if n % 2 == 0 else b)
        media_ids = []
        first, steps = upload(trainees[0], pngs[0].read_bytes(), plan["deliverable"], [a, b, a])
        media_ids.append(first)
        check(f"upload {first}: {'; '.join(steps)}", True)
        for n, (trainee, png) in enumerate(zip(trainees[1:], pngs[1:]), start=1):
            base = a if n % 2 else b
            media_ids.append(upload(trainee, png.read_bytes(), plan["deliverable"], [base, base])[0])
        statuses = {m: wait_ready(trainees[i], b if i % 2 == 0 else a, m) for i, m in enumerate(media_ids)}
        check(
            f"every file checked and accepted, followed through the other web process: {statuses}",
            all(s == "ready" for s in statuses.values()),
        )
        ran = worker_of_media({n: logs[n] for n in WORKERS})
        report["media_worker"] = {str(m): ran.get(m) for m in media_ids}
        stats = celery.control.inspect(timeout=2.0).stats() or {}
        report["tasks_per_worker"] = {w: s.get("total", {}) for w, s in sorted(stats.items())}
        check(
            f"each file checked by exactly one worker: {report['media_worker']}",
            all(ran.get(m) in WORKERS for m in media_ids),
        )
        check(
            f"both workers took jobs (Celery remote control totals: {report['tasks_per_worker']})",
            len({ran.get(m) for m in media_ids}) == 2 or args.uploads < 2,
        )
        stored = [p for p in shared.rglob("*") if p.is_file() and "tus" not in p.parts]
        check(
            f"the files and their renditions are in the one shared folder ({len(stored)} files)",
            len(stored) >= len(media_ids),
        )

        trainee = trainees[0]
        page = trainee.http.get(f"{b}/projects/{project}/work")
        check(
            "the work page on B shows the file uploaded through A as accepted",
            page.status_code == 200 and f"/media/{first}" in page.text,
        )
        declared = trainee.http.post(
            f"{b}/projects/{project}/work/declarations",
            allow_redirects=False,
            data={
                "csrf_token": trainee.token,
                "ai_used": "no",
                **{f"people-{i}-consent": "pending" for i in range(3)},
            },
        )
        handed = trainee.http.post(
            f"{b}/projects/{project}/work/submit",
            allow_redirects=False,
            data={"csrf_token": trainee.token, "statement": "y"},
        )
        check(
            f"hand-in through B gives a receipt ({handed.headers.get('Location', handed.status_code)})",
            declared.status_code == 302
            and handed.status_code == 302
            and "/attempts/1" in handed.headers.get("Location", ""),
        )
        submission = int(re.search(r"/submissions/(\d+)/", handed.headers["Location"]).group(1))

        api = {"Authorization": f"Bearer {plan['token']}"}
        staff = Browser(plan["instructor"])
        staff.sign_in(a)
        opened = staff.http.get(f"{a}/projects/{project}/submissions/{submission}/grade")
        path = f"/api/v1/projects/{project}/submissions/{submission}/assessment"
        version = requests.get(b + path, headers=api).json()["version"]
        body = {"version": version, "status": "ready", "marks": plan["marks"], "feedback": "Strong framing."}
        saved = requests.put(a + path, headers=api, json=body)
        check(
            f"grading screen opened on A ({opened.status_code}); assessment saved through A with version "
            f"{version} read on B ({saved.status_code}, now version {saved.json().get('version')})",
            opened.status_code == 200 and saved.status_code == 200,
        )
        stale = requests.put(b + path, headers=api, json={**body, "feedback": "An older draft."})
        check(
            f"the same stale version sent through B is refused: {stale.status_code} "
            f"({stale.json().get('message')})",
            stale.status_code == 409,
        )
        released = requests.post(f"{b}/api/v1/projects/{project}/release", headers=api)
        feedback = trainee.http.get(f"{a}/projects/{project}/feedback")
        check(
            f"released through B ({released.json()}); the trainee reads it on A ({feedback.status_code})",
            released.status_code == 200
            and released.json().get("released") == 1
            and feedback.status_code == 200
            and "Strong framing." in feedback.text,
        )
    finally:
        for proc in procs.values():
            stop(proc)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return report


def celery_app(broker: str, results: str):
    from celery import Celery

    return Celery("cluster-report", broker=broker, backend=results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=6, help="uploads from as many trainees (default 6)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")
    parser.add_argument("--keep", action="store_true", help="keep the folders and logs")
    args = parser.parse_args()
    report = run(args)
    if args.json:
        print(json.dumps(report))
    else:
        print("\nwhich worker checked which file:")
        for media, worker in report.get("media_worker", {}).items():
            print(f"  media {media}: {worker}")
        print(f"Celery task totals per worker: {report.get('tasks_per_worker')}")
        print("cluster: " + ("every step OK" if report["ok"] else "SOME STEPS FAILED"))
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
