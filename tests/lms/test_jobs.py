"""Background jobs: queued only after commit; real workers on both brokers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from celery import shared_task

from lms.jobs import commit, enqueue

RAN: list[str] = []


@shared_task(name="tests.record")
def record(value):
    RAN.append(value)
    return value


def test_task_runs_only_after_commit(app, db):
    RAN.clear()
    enqueue(record, "kept")
    assert RAN == []  # not before the commit
    commit()
    assert RAN == ["kept"]


def test_rollback_drops_queued_tasks(app, db):
    RAN.clear()
    enqueue(record, "dropped")
    db.session.rollback()
    db.session.remove()
    commit()
    assert RAN == []


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _run_worker_roundtrip(tmp_path, broker: str | None):
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path), LMS_PLUGINS="[]")
    if broker:
        env.update(LMS_CELERY_BROKER_URL=broker, LMS_CELERY_RESULT_BACKEND=broker)
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms.worker:celery",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        code = (
            "from lms import create_app; app = create_app(); c = app.extensions['celery'];"
            "r = c.send_task('lms.send_mail', args=['a@example.org', 'worker test', 'hello']);"
            "print(r.get(timeout=60))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90
        )
        assert out.returncode == 0, out.stderr[-2000:] + (tmp_path / "worker.log").read_text()[-2000:]
        digest = out.stdout.strip().splitlines()[-1]
        assert (tmp_path / "outbox" / f"{digest}.eml").exists()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


@pytest.mark.slow
def test_real_worker_on_the_embedded_sqlite_transport(tmp_path):
    _run_worker_roundtrip(tmp_path, None)


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_real_worker_on_redis(tmp_path):
    _run_worker_roundtrip(tmp_path, "redis://127.0.0.1:6379/15")


# Kombu's own models use the ``noload`` strategy SQLAlchemy 2.1 deprecates.
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_delivered_messages_are_purged_from_the_sqlite_broker(app, tmp_path):
    """The SQLAlchemy transport keeps delivered messages (mail bodies, live links): the beat deletes them."""
    import base64
    import json

    import sqlalchemy as sa
    from kombu import Connection

    from lms.jobs import purge_delivered

    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("mail")
        queue.put({"body": "https://example.org/auth/set-password/secret-link"})
        queue.put({"body": "not yet delivered"})
        queue.get(timeout=2).ack()
        queue.close()
    engine = sa.create_engine(url.removeprefix("sqla+"))
    with engine.connect() as db_conn:
        rows = db_conn.execute(sa.text("SELECT visible, payload FROM kombu_message")).all()
    assert sorted(v for v, _ in rows) == [False, True]  # the delivered one is kept by kombu itself

    assert purge_delivered(url) == 1
    with engine.connect() as db_conn:
        left = db_conn.execute(sa.text("SELECT payload FROM kombu_message")).scalars().all()
    engine.dispose()
    bodies = [base64.b64decode(json.loads(payload)["body"]).decode() for payload in left]
    assert bodies == ['{"body": "not yet delivered"}']
    assert purge_delivered("redis://127.0.0.1:6379/0") == 0  # Redis forgets acknowledged messages itself
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["lms.purge_broker"]["task"] == "lms.purge_broker" and "media.purge_uploads" in schedule
