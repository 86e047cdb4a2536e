"""Celery bound to the Flask app, and queueing tasks only after a commit.

Embedded default: Celery's SQLAlchemy transport on an SQLite file in the
instance folder (no Redis needed). Scale-out: ``LMS_CELERY_BROKER_URL=redis://…``.
Unit tests run tasks eagerly (``CELERY_ALWAYS_EAGER``).
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from lms.extensions import db

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
    celery.set_default()
    # Worker-side signal receivers (e.g. worker_ready) find their Flask app here.
    celery.flask_app = app
    app.extensions["celery"] = celery
    import lms.mail  # noqa: F401  (registers the core's tasks)

    return celery


def enqueue(task, *args, **kwargs) -> None:
    """Queue ``task`` to run once the current transaction commits (never before).

    A task queued before the commit could run against rows that do not exist
    yet, or that a rollback will remove.
    """
    db.session.info.setdefault(_PENDING, []).append((task, args, kwargs))


def commit() -> None:
    """Commit the request's or task's transaction, then queue the tasks it asked for."""
    db.session.commit()
    pending = db.session.info.pop(_PENDING, [])
    for task, args, kwargs in pending:
        task.apply_async(args=args, kwargs=kwargs)


def discard_pending() -> None:
    """Forget queued tasks after a rollback."""
    db.session.info.pop(_PENDING, None)
