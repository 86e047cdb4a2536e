"""The mail outbox: mail written with its change, sent once by any number of workers, retried, never lost.

A real SMTP server (aiosmtpd, on 127.0.0.1) receives the messages. Crashes are real processes dying at a
crash point (``os._exit``, as ``kill -9``: no cleanup). Runs on SQLite and, with ``--db=postgresql``, on
PostgreSQL (where claims use ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import os
import re
import smtplib
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lms import create_app
from lms.config import ConfigError, serve_public_url
from lms.db import utcnow
from lms.faults import CRASH_STATUS
from lms.outbox import MailStatus, OutboxMail, message_id
from tests.fixtures.app import TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://lms.example.kr/gb"


@pytest.fixture
def app(app_factory, smtp):
    """The app of every test here (``db``, ``make_user`` use it): it sends to the local SMTP server, with
    links on :data:`PUBLIC`."""
    app = app_factory(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_USE_TLS=False,
        PUBLIC_URL=PUBLIC,
        MAIL_MAX_ATTEMPTS=4,
        MAIL_RETRY_SECONDS=60,
    )
    with app.app_context():
        yield app


@pytest.fixture
def mail_app(app):
    return app


def _rows(db):
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _queue(db, n: int, **kwargs) -> None:
    """*n* rows committed without the after-commit kick (what a process that died after its commit leaves)."""
    from lms.mail import queue_mail

    for i in range(n):
        queue_mail(f"person{i}@example.org", f"Subject {i}", f"Body {i}\n", **kwargs)
    db.session.commit()
    db.session.info.clear()  # the kick that commit() would have sent: never sent


def test_an_invitation_reaches_a_real_smtp_server_with_a_link_on_public_url(mail_app, db, make_user, smtp):
    from lms.jobs import commit
    from lms.users import services
    from lms.users.models import Role

    admin = make_user("admin")
    user = services.create_user(
        email="new@example.org", name="New Person", role=Role.TRAINEE, created_by=admin, invite=True
    )
    assert smtp.messages == [] and _rows(db)[0].status == MailStatus.QUEUED  # nothing before the commit
    commit()  # the kick runs the send at once (eager tasks in tests)
    [row] = _rows(db)
    assert (row.status, row.attempts, row.recipient_id, row.kind) == (MailStatus.SENT, 1, user.id, "invite")
    assert row.secret and row.body is None  # the set-password link is not kept once sent
    [msg] = smtp.messages
    assert msg["To"] == "new@example.org"
    assert msg["Message-ID"] == message_id(row.id, row.created_at, "gongbang.local")
    body = msg.get_body().get_content()
    assert re.search(re.escape(PUBLIC) + r"/auth/set-password/[\w-]{20,}", body), body


def test_a_reset_link_ignores_the_host_header_the_requester_sent(mail_app, db, make_user, smtp):
    """Password-reset poisoning: the link is built from PUBLIC_URL, never from the request's Host."""
    user = make_user("trainee")
    client = mail_app.test_client()
    response = client.post("/auth/forgot", data={"email": user.email}, headers={"Host": "evil.example"})
    assert response.status_code in (200, 302), response.status_code
    [msg] = smtp.messages
    body = msg.get_body().get_content()
    assert "evil.example" not in body
    assert PUBLIC + "/auth/set-password/" in body


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_every_mail_template_has_only_absolute_links_on_public_url(mail_app, db, make_user):
    from flask_babel import force_locale

    from lms.mail import absolute_link, send_template
    from lms.notifications.services import notify

    templates = sorted(p.stem for p in (ROOT / "templates" / "lms" / "mail").glob("*.txt"))
    assert {"invite", "reset"} <= set(templates)
    for locale in ("ko", "en"):
        user = make_user("trainee", locale=locale)
        for name in templates:
            send_template(user, name, token="tok-" + "x" * 40)
        with force_locale(locale):
            notify(user, lambda: "Your grade is released.", "/projects/4/feedback")
    db.session.flush()
    rows = _rows(db)
    assert len(rows) == 2 * (len(templates) + 1)
    for row in rows:
        links = _links(row.body)
        assert links, (row.kind, row.body)
        assert all(link.startswith(PUBLIC + "/") for link in links), (row.kind, links)
        assert not re.search(r"^/\S", row.body, re.M), row.body  # no relative path on a line of its own
    # A path url_for made under the prefix already:
    assert absolute_link("/gb/projects/4") == "https://lms.example.kr/gb/projects/4"


def _child(app, code: str, crash_at: str) -> subprocess.CompletedProcess:
    """Run *code* in a new process on the same database and SMTP server, dying at *crash_at*."""
    cfg = app.config
    env = dict(
        os.environ,
        LMS_CRASH_AT=crash_at,
        PYTHONPATH=str(ROOT),
        CHILD_CONFIG=repr(
            {
                "TESTING": True,
                "SECRET_KEY": TEST_SECRET,
                "DATABASE_URL": cfg["DATABASE_URL"],
                "SERVER_NAME": "localhost",
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 1024,
                "ARGON2_PARALLELISM": 1,
                **{k: cfg[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "PUBLIC_URL")},
            }
        ),
    )
    prelude = (
        "import ast, os\nfrom lms import create_app\n"
        "config = ast.literal_eval(os.environ['CHILD_CONFIG'])\n"
        f"app = create_app(config, instance_path={app.instance_path!r})\n"
        "ctx = app.app_context(); ctx.push()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_process_killed_between_its_commit_and_the_kick_loses_no_mail(mail_app, db, make_user, smtp):
    from lms.mail import send_queued_mail

    admin = make_user("admin")
    code = (
        "from lms.jobs import commit\nfrom lms.users import services\n"
        "from lms.users.models import Role, User\n"
        "from lms.extensions import db\n"
        f"admin = db.session.get(User, {admin.id})\n"
        "services.create_user(email='crash@example.org', name='Crash Test', role=Role.TRAINEE,"
        " created_by=admin, invite=True)\n"
        "commit()\n"
        "print('not reached')\n"
    )
    child = _child(mail_app, code, "commit.before_enqueue")
    assert child.returncode == CRASH_STATUS, child.stderr[-3000:]
    assert "not reached" not in child.stdout
    [row] = _rows(db)  # the change and its mail were committed together
    assert row.status == MailStatus.QUEUED and smtp.messages == []
    assert send_queued_mail() == 1  # the beat's sweep
    assert send_queued_mail() == 0  # and only once
    assert [m["To"] for m in smtp.messages] == ["crash@example.org"]
    assert _rows(db)[0].status == MailStatus.SENT


def test_a_worker_killed_after_the_server_accepted_resends_once_with_the_same_message_id(mail_app, db, smtp):
    from lms.mail import send_due

    _queue(db, 1)
    child = _child(mail_app, "from lms.mail import send_queued_mail\nsend_queued_mail()\n", "mail.sent")
    assert child.returncode == CRASH_STATUS, child.stderr[-3000:]
    assert len(smtp.messages) == 1
    [row] = _rows(db)
    assert row.status == MailStatus.SENDING  # the server has it; the row could not say so
    assert send_due() == (0, 0)  # its lease has not run out: no second worker takes it meanwhile
    lease = timedelta(seconds=mail_app.config["MAIL_LEASE_SECONDS"])
    assert send_due(now=utcnow() + lease + timedelta(seconds=1)) == (1, 1)
    assert len(smtp.messages) == 2
    assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"]  # receivers can show it once
    [row] = _rows(db)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    assert send_due(now=utcnow() + 2 * lease) == (0, 0)


def test_workers_claiming_at_once_send_each_message_once(mail_app, db, smtp):
    from lms.mail import send_due

    total = 80
    _queue(db, total)
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker():
        sent = 0
        try:
            with mail_app.app_context():
                start.wait()
                while True:
                    claimed, done = send_due(limit=3)
                    assert claimed <= 3  # a batch is a batch (PostgreSQL once re-ran the choice per row)
                    sent += done
                    if not claimed:
                        break
                db.session.remove()
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
        counts.append(sent)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(counts) == total
    assert len(smtp.messages) == total and len(set(smtp.ids())) == total
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"person{i}@example.org" for i in range(total))
    assert {(r.status, r.attempts) for r in _rows(db)} == {(MailStatus.SENT, 1)}


def test_on_postgresql_a_claim_skips_rows_another_worker_holds(mail_app, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite serialises writers (test above)")
    from lms.mail import claim_due

    _queue(db, 4)
    ids = [r.id for r in _rows(db)]
    with db.engine.connect() as other:
        other.execute(text("SET lock_timeout = '5s'"))
        held = other.execute(
            text("SELECT id FROM mail_outbox WHERE id IN (:a, :b) FOR UPDATE"), {"a": ids[0], "b": ids[1]}
        ).all()
        assert len(held) == 2
        began = time.monotonic()
        claimed = claim_due(10, utcnow())
        assert time.monotonic() - began < 2  # it did not wait for the other transaction
        assert [r.id for r in claimed] == ids[2:]
        other.rollback()
    assert [r.id for r in claim_due(10, utcnow())] == ids[:2]


def test_a_failing_server_means_retries_with_backoff_then_failed(mail_app, db, smtp):
    from lms.check import run_checks
    from lms.mail import send_due

    smtp.failing = True
    _queue(db, 1, kind="reset")
    t = utcnow()
    waits = []
    for attempt in range(1, 5):
        assert send_due(now=t) == (1, 0)
        [row] = _rows(db)
        assert row.attempts == attempt and "451" in row.last_error and "Try again later" in row.last_error
        if attempt < 4:
            assert row.status == MailStatus.QUEUED
            waits.append(row.next_attempt_at - t)
            assert send_due(now=t + waits[-1] - timedelta(seconds=1)) == (0, 0)  # not before its time
            t += waits[-1]
    assert waits == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert row.status == MailStatus.FAILED
    assert send_due(now=t + timedelta(days=1)) == (0, 0)  # given up
    ids = {m["Message-ID"] for m in smtp.refused}
    assert len(smtp.refused) == 4 and len(ids) == 1  # the same Message-ID on every attempt
    findings = [f for f in run_checks() if f.code == "mail_failed"]
    assert [f.subject for f in findings] == [f"mail {row.id}"] and "451" in findings[0].detail


def test_an_error_recorded_for_admins_holds_no_password(mail_app):
    from lms.mail import describe_error

    mail_app.config["MAIL_PASSWORD"] = "s3cret-mail-pass"
    exc = smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials s3cret-mail-pass")
    assert describe_error(exc) == "SMTPAuthenticationError: 535 5.7.8 bad credentials [redacted]"


def test_an_idempotency_key_queues_a_message_once(mail_app, db, make_user, smtp):
    from lms.jobs import commit
    from lms.mail import queue_mail, send_template

    user = make_user("trainee")
    key = f"reminder:48h:deliverable 7:user {user.id}"
    first = send_template(user, "reset", token="t" * 43, kind="reminder", idempotency_key=key)
    assert first is not None
    assert send_template(user, "reset", token="t" * 43, kind="reminder", idempotency_key=key) is None
    commit()
    assert queue_mail(user.email, "again", "again", idempotency_key=key) is None  # another transaction
    commit()
    assert len(smtp.messages) == 1 and [r.kind for r in _rows(db)] == ["reminder"]


def test_old_bodies_with_live_links_are_erased_but_their_keys_stay(mail_app, db, smtp):
    from lms.mail import purge_old_bodies, queue_mail, send_due

    _queue(db, 3)
    send_due()
    queue_mail("later@example.org", "Later", "Not sent yet", idempotency_key="k1")
    db.session.commit()
    rows = _rows(db)
    rows[0].sent_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert purge_old_bodies() == 1
    assert [r.body for r in _rows(db)] == [None, "Body 1\n", "Body 2\n", "Not sent yet"]
    assert queue_mail("later@example.org", "Later", "Again", idempotency_key="k1") is None


def test_anonymising_removes_the_outbox_rows_to_that_address(mail_app, db):
    from lms.mail import forget_recipient

    _queue(db, 2)
    forget_recipient("person0@example.org")
    db.session.commit()
    assert [r.to_address for r in _rows(db)] == ["person1@example.org"]


def test_the_beat_sweeps_the_outbox_and_purges_bodies(mail_app):
    schedule = mail_app.extensions["celery"].conf.beat_schedule
    assert schedule["lms.send_queued_mail"]["schedule"] == mail_app.config["MAIL_SWEEP_SECONDS"]
    assert schedule["lms.purge_sent_mail"]["task"] == "lms.purge_sent_mail"


def test_production_refuses_to_start_without_public_url(tmp_path):
    strong = "f3a9c1e07b5d42a8916e0c3b7d5a2f48e1c6b9d0a7f3e5c2"
    with pytest.raises(ConfigError, match="LMS_PUBLIC_URL"):
        create_app({"MODE": "production", "SECRET_KEY": strong}, instance_path=str(tmp_path))
    with pytest.raises(ConfigError, match="http or https"):
        create_app({"PUBLIC_URL": "lms.example.kr"}, instance_path=str(tmp_path))
    app = create_app(
        {"MODE": "production", "SECRET_KEY": strong, "PUBLIC_URL": "https://lms.example.kr/"},
        instance_path=str(tmp_path),
    )
    assert app.config["PUBLIC_URL"] == "https://lms.example.kr"


def test_lms_serve_uses_its_own_address_only_when_people_open_that_one():
    assert serve_public_url("127.0.0.1", 5000, {}) == "http://127.0.0.1:5000"
    assert serve_public_url("192.168.0.10", 8000, {}) == "http://192.168.0.10:8000"
    assert serve_public_url("0.0.0.0", 80, {"PUBLIC_URL": "https://x.kr"}) == "https://x.kr"
    for host, cfg in (("0.0.0.0", {}), ("127.0.0.1", {"TRUSTED_PROXIES": 1})):
        with pytest.raises(ConfigError, match="LMS_PUBLIC_URL"):
            serve_public_url(host, 5000, cfg)


def test_lms_check_reports_mail_nobody_sends_and_a_missing_public_url(mail_app, db):
    from lms.check import run_checks

    _queue(db, 2)
    assert [f.code for f in run_checks() if f.plugin == "lms"] == []  # just queued: a worker has time
    for row in _rows(db):
        row.next_attempt_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    [late] = [f for f in run_checks() if f.code == "mail_waiting"]
    assert late.needs_person and late.detail.startswith("2 message(s)")
    mail_app.config.update(TESTING=False, PUBLIC_URL=None)
    try:
        [missing] = [f for f in run_checks() if f.code == "public_url_missing"]
    finally:
        mail_app.config.update(TESTING=True, PUBLIC_URL=PUBLIC)
    assert "LMS_PUBLIC_URL" in missing.detail


def test_without_smtp_a_resent_message_is_still_one_file(app_factory, tmp_path):
    from lms.extensions import db as _db
    from lms.mail import read_outbox, send_due

    app = app_factory(PUBLIC_URL=PUBLIC)
    with app.app_context():
        _queue(_db, 1)
        lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
        assert send_due() == (1, 1)
        row = _rows(_db)[0]
        row.status = MailStatus.SENDING  # as if the worker had died before marking it
        _db.session.commit()
        assert send_due(now=utcnow() + lease + timedelta(seconds=1)) == (1, 1)
        [mail] = read_outbox()
        name = f"{row.created_at:%Y%m%d%H%M%S%f}.{row.id}.outbox"
    assert mail["to"] == "person0@example.org" and mail["id"] == name


def test_many_messages_are_queued_in_batches_and_a_known_key_is_left_out(mail_app, db, smtp):
    from lms.jobs import commit
    from lms.mail import Mail, queue_mail, queue_many

    queue_mail("a@example.org", "First", "Body", idempotency_key="digest:1")
    db.session.commit()
    mails = [
        Mail(f"p{i}@example.org", f"S{i}", "B", kind="digest", idempotency_key=f"digest:{i}")
        for i in range(5)
    ]
    assert queue_many(mails, batch=2) == 4  # digest:1 was queued before
    assert queue_many(mails, batch=2) == 0  # a second run adds nothing
    commit()
    assert sorted(m["To"] for m in smtp.messages) == ["a@example.org"] + [
        f"p{i}@example.org" for i in (0, 2, 3, 4)
    ]


def test_a_long_queue_is_sent_in_runs_that_queue_the_next_one(mail_app, db, smtp):
    from lms.mail import send_queued_mail

    mail_app.config["MAIL_BATCH"] = 2
    _queue(db, 25)
    assert send_queued_mail() == 20  # ten batches, then it queued itself again (run at once in tests)
    assert len(smtp.messages) == 25 and {r.status for r in _rows(db)} == {MailStatus.SENT}
