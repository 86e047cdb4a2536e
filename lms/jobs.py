"""Celery bound to the Flask app, and queueing tasks only after a commit.

Embedded default: Celery's SQLAlchemy transport on an SQLite file in the
instance folder (no Redis needed). Scale-out: ``LMS_CELERY_BROKER_URL=redis://…``.
Unit tests run tasks eagerly (``CELERY_ALWAYS_EAGER``).
"""

from __future__ import annotations

import sqlalchemy as sa
from celery import Celery, Task, shared_task
from celery import current_app as current_celery
from celery.signals import worker_process_init
from flask import Flask, current_app

from lms.extensions import db
from lms.faults import crash_point

_PENDING = "lms.pending_tasks"


def init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    cfg = app.config
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=cfg["CELERY_BROKER_URL"],
        result_backend=cfg["CELERY_RESULT_BACKEND"],
        task_always_eager=cfg["CELERY_ALWAYS_EAGER"],
        task_eager_propagates=True,
        # A worker killed mid-task leaves the message to be delivered again; tasks are idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        worker_hijack_root_logger=False,
    )
    # Run by the worker started with beat; plugins add theirs to the same schedule.
    celery.conf.beat_schedule = {
        "lms.purge_broker": {"task": "lms.purge_broker", "schedule": cfg["BROKER_PURGE_MINUTES"] * 60.0},
        # Sends the outbox's due rows, so mail whose after-commit kick was lost (a crash) still goes out.
        "lms.send_queued_mail": {"task": "lms.send_queued_mail", "schedule": cfg["MAIL_SWEEP_SECONDS"] * 1.0},
        "lms.purge_sent_mail": {"task": "lms.purge_sent_mail", "schedule": 3600.0},
        # Each person's daily digest at their local morning: a quarter-hourly look meets every time zone.
        "lms.send_digests": {"task": "lms.send_digests", "schedule": 900.0},
    }
    celery.set_default()
    # Worker-side signal receivers (e.g. worker_ready) find their Flask app here.
    celery.flask_app = app
    app.extensions["celery"] = celery
    import lms.mail  # noqa: F401  (registers the core's tasks)
    import lms.notifications.tasks  # noqa: F401

    return celery


@worker_process_init.connect
def _forget_inherited_connections(**_kwargs) -> None:
    """A pool process forked by the worker must not reuse the parent's pooled database connections.

    The parent uses the database (plugins sweep stalled jobs when it starts), so a pool process that replaces
    one that died would share that socket with every other replacement: on PostgreSQL the next one found it
    in the dead one's transaction and its job failed (``bench/crash.py``). ``close=False`` leaves the
    parent's connections alone and gives this process its own.
    """
    app = getattr(current_celery, "flask_app", None)
    if app is not None:
        with app.app_context():
            db.engine.dispose(close=False)


def enqueue(task, *args, **kwargs) -> None:
    """Queue ``task`` to run once the current transaction commits (never before).

    A task queued before the commit could run against rows that do not exist
    yet, or that a rollback will remove.
    """
    db.session.info.setdefault(_PENDING, []).append((task, args, kwargs))


def enqueue_once(task, *args, **kwargs) -> None:
    """:func:`enqueue`, unless this transaction has already queued the same call (one kick of the mail
    outbox per commit sends every message the transaction wrote)."""
    pending = db.session.info.setdefault(_PENDING, [])
    if (task, args, kwargs) not in pending:
        pending.append((task, args, kwargs))


def commit() -> None:
    """Commit the request's or task's transaction, then queue the tasks it asked for."""
    db.session.commit()
    pending = db.session.info.pop(_PENDING, [])
    if pending:
        crash_point("commit.before_enqueue")  # the window that requeue_stalled and `lms check --repair` cover
    for task, args, kwargs in pending:
        task.apply_async(args=args, kwargs=kwargs)


def discard_pending() -> None:
    """Forget queued tasks after a rollback."""
    db.session.info.pop(_PENDING, None)


def purge_delivered(broker_url: str) -> int:
    """Delete the messages the SQLAlchemy transport has delivered; how many went.

    Kombu's SQLAlchemy transport never deletes a message: it only marks it delivered (``visible`` false).
    Its rows keep every job's arguments, among them whole mail bodies with live set-password links, so the
    embedded broker file would hold them for good. A delivered message is never read again (the transport
    has no redelivery; ``requeue_stalled`` and ``lms check --repair`` cover lost jobs): deleting it is safe.
    Other brokers (Redis) drop a message once it is acknowledged: nothing to do.
    """
    if not broker_url.startswith("sqla+"):
        return 0
    engine = sa.create_engine(broker_url.removeprefix("sqla+"))
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("kombu_message"):
                return 0
            return conn.execute(
                sa.text("DELETE FROM kombu_message WHERE visible = :no"), {"no": False}
            ).rowcount
    finally:
        engine.dispose()


@shared_task(name="lms.purge_broker")
def purge_broker() -> int:
    """Periodic: :func:`purge_delivered` on the configured broker."""
    return purge_delivered(current_app.config["CELERY_BROKER_URL"])
