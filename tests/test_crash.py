"""Crash tests: real gunicorn and worker processes die at named points, then nothing is lost.

A short run of ``bench/crash.py`` (see its docstring for what each trial
asserts): one trial per kind of crash that matters most, in a subprocess so its
instance and environment stay apart from the suite's. ``bench/crash.py --trials 200``
runs the full table quoted in the README.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRIALS = [
    "upload/upload.stored",
    "upload/commit.before_enqueue",
    "upload/upload.committed",
    "submit/submit.flushed",
    "grade/grade.flushed",
    "release/release.one",
    "media/media.rendered",
]


@pytest.mark.slow
@pytest.mark.timeout(280)
def test_nothing_is_lost_when_processes_die_mid_way(tmp_path):
    out = tmp_path / "trials.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "crash.py"),
            "--trials",
            str(len(TRIALS)),
            "--points",
            ",".join(TRIALS),
            "--clips",
            "1",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=270,
    )
    assert out.exists(), done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert sorted(f"{r['op']}/{r['point']}" for r in results) == sorted(TRIALS)
    for r in results:
        assert r["crashed"], f"{r['op']}/{r['point']} never reached its crash point"
        assert r["jobs_done"] and r["clean"], r
    # Only the plain sweep is needed: no trial needed `lms check --repair` to become clean.
    assert not [r for r in results if r["needed_repair"]], done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def test_parallel_upload_creations_cannot_pass_the_quota_together(app_factory, make_user, monkeypatch):
    """Two creations at once (two web workers) each checked the quota before either was recorded."""
    import threading
    import time

    from media import services

    app = app_factory(MEDIA_QUOTA_BYTES=1000)
    with app.app_context():
        owner_id = make_user("trainee").id
    measured = services.storage_used

    def slow_storage_used(user):
        used = measured(user)
        time.sleep(0.3)  # both requests are past the check before either creates its upload
        return used

    monkeypatch.setattr(services, "storage_used", slow_storage_used)
    outcomes = []

    def create():
        from lms.extensions import db
        from lms.users.models import User

        with app.app_context():
            try:
                services.start_upload(db.session.get(User, owner_id), 600, {"context": "check:any"})
                outcomes.append("created")
            except services.UploadRefused as exc:
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["created", "over_quota"]


def test_a_forked_pool_process_gets_its_own_database_connections(app, db):
    """The worker's pool processes replace dead ones by forking the parent, which has used the database."""
    from celery.signals import worker_process_init

    with db.engine.connect() as conn:
        inherited = conn.connection.dbapi_connection
    worker_process_init.send(sender=None)  # what Celery sends in a freshly forked pool process
    with db.engine.connect() as conn:
        assert conn.connection.dbapi_connection is not inherited
    inherited.cursor().execute("SELECT 1")  # the parent's connection was left open for the parent
    # Here parent and "child" are one process: close what the parent would have closed itself, or the
    # connection is only garbage-collected later, open (a ResourceWarning in whichever test runs then).
    inherited.close()
