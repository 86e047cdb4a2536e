"""Outgoing mail through a transactional outbox: SMTP when configured, otherwise .eml files in a folder.

Composing (:func:`send_template`, :func:`queue_mail`) only adds a row to ``mail_outbox``
(:class:`lms.outbox.OutboxMail`) in the caller's transaction: the mail exists exactly when the change that
caused it was committed. After the commit one ``lms.send_queued_mail`` task is queued (the kick, for speed);
the beat runs the same task every ``MAIL_SWEEP_SECONDS`` (the sweep), so a process that died between its
commit and the kick loses nothing.

Sending claims due rows, so that several workers never take the same one (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``; SQLite serialises writers, so one conditional ``UPDATE … RETURNING`` claims), sends them and marks
each ``sent``. A passing failure waits ``MAIL_RETRY_SECONDS``, doubling, then after ``MAIL_MAX_ATTEMPTS`` the
row is ``failed`` (``lms check`` lists those). A worker that dies after the server accepted a message but
before marking it leaves the row to be claimed again once its lease ends: that message is sent a second time,
with the same ``Message-ID`` (taken from the row), so mail programs can show it once.

Every link in a mail is absolute, built from ``PUBLIC_URL`` (:func:`mail_url`, :func:`absolute_link`).

A mail to an account passes its recipient's choices on the way in
(:func:`lms.notifications.delivery.route_mail`: turned off, kept for the daily digest, or held through quiet
hours) unless its kind is required. Those that
may be turned off carry an unsubscribe link in the body and, when sent, the RFC 8058 one-click headers
``List-Unsubscribe`` and ``List-Unsubscribe-Post``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from celery import shared_task
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult

from lms import signals
from lms.config import public_url
from lms.db import utcnow
from lms.extensions import db
from lms.faults import crash_point
from lms.jobs import enqueue_once
from lms.notifications import delivery
from lms.outbox import MailStatus, OutboxMail, message_id, retry_delay

log = logging.getLogger(__name__)

#: SMTP's limit for a line, which a subject header must fit.
_SUBJECT_MAX = 998


# --- Links -------------------------------------------------------------------------------------------------


def mail_url(endpoint: str, **values) -> str:
    """``url_for`` for an e-mail: absolute, on ``PUBLIC_URL``, whatever the request's Host header says."""
    return mail_url_builder()(endpoint, values)


def mail_url_builder() -> Callable[[str, dict], str]:
    """A builder of :func:`mail_url` addresses, bound once: ``build(endpoint, values)``.

    Binding the URL map costs more than building one address; a batch of mails (reminders for a whole
    cohort, each with its unsubscribe link) binds it once.
    """
    base = urlsplit(public_url(current_app.config))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return lambda endpoint, values: adapter.build(endpoint, values, force_external=True)


def absolute_link(path: str) -> str:
    """A site path (``/projects/4/feedback``, from ``url_for``) as an absolute link on ``PUBLIC_URL``."""
    base = public_url(current_app.config)
    parts = urlsplit(base)
    prefix = parts.path.rstrip("/")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return f"{parts.scheme}://{parts.netloc}{path}"  # made inside a request under that prefix already
    return base + path


# --- Composing: rows in the caller's transaction -----------------------------------------------------------


def send_template(
    user,
    name: str,
    *,
    kind: str | None = None,
    idempotency_key: str | None = None,
    secret: bool | None = None,
    **context,
) -> int | None:
    """Queue the mail ``templates/lms/mail/<name>.txt`` to ``user`` in their language; sent after the commit.

    The first line of the rendered template is the subject. Templates build links with ``mail_url``. *kind*
    defaults to the template's name; *secret* (the body is erased once sent) to whether a ``token`` is
    passed. Returns the outbox row's id (``None``: *idempotency_key* was queued before; nothing was added).
    """
    from lms.i18n import language_of

    with force_locale(language_of(user)):
        text = render_template(f"lms/mail/{name}.txt", user=user, mail_url=mail_url, **context)
    subject, _, body = text.partition("\n")
    return queue_mail(
        user.email,
        subject.strip(),
        body.lstrip("\n"),
        recipient_id=user.id,
        kind=kind or name,
        idempotency_key=idempotency_key,
        secret="token" in context if secret is None else secret,
    )


def queue_mail(
    to: str,
    subject: str,
    body: str,
    *,
    recipient_id: int | None = None,
    kind: str = "mail",
    idempotency_key: str | None = None,
    secret: bool = False,
) -> int | None:
    """Add one message to the outbox in the current transaction (flushed, never committed).

    With *secret* (the body holds a live link token), the body is erased as soon as the message is sent.
    With *idempotency_key*, a key already in the outbox (sent or not, by this transaction or another) adds
    nothing and returns ``None``: callers that may run twice (a retried job, two workers) send once.
    ``None`` too when the recipient turned this kind of e-mail off or gathers it in their daily digest.
    """
    mail = Mail(to, subject, body, recipient_id, kind, idempotency_key, secret)
    ids = _insert([mail])
    if not ids:
        log.info("mail %s not queued now (queued before, turned off or kept for the digest)", kind)
        return None
    log.info("mail %s (%s) queued", ids[0], kind)
    return ids[0]


@dataclass(frozen=True)
class Mail:
    """One message for :func:`queue_many` (the arguments of :func:`queue_mail`)."""

    to: str
    subject: str
    body: str
    recipient_id: int | None = None
    kind: str = "mail"
    idempotency_key: str | None = None
    secret: bool = False


def queue_many(mails: Iterable[Mail], batch: int = 1000) -> int:
    """:func:`queue_mail` for many messages (a reminder run): one statement per *batch*; how many were added
    (those whose idempotency key was queued before are left out)."""
    added = 0
    chunk: list[Mail] = []
    for mail in mails:
        chunk.append(mail)
        if len(chunk) == batch:
            added += len(_insert(chunk))
            chunk = []
    if chunk:
        added += len(_insert(chunk))
    log.info("%s mail(s) queued", added)
    return added


def _insert(mails: list[Mail]) -> list[int]:
    """Insert the rows (not those whose idempotency key is there), kick after the commit; their ids.

    Each recipient's choices apply first (two queries for the whole list, none when no mail may be turned
    off): some rows are dropped, some kept for the digest, some held until the person's quiet hours end.
    """
    now = utcnow()
    routed = delivery.route_mail(mails, now)
    if routed.digest:
        delivery.keep_for_digest(routed.digest)
    if not routed.outbox:
        return []
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # Values as parameters, not in the statement: one compiled statement serves every call and batch.
    statement = (
        insert(OutboxMail)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])  # NULL keys never conflict
        .returning(OutboxMail.id)
    )
    rows = [
        {
            "recipient_id": m.recipient_id,
            "to_address": m.to,
            "subject": m.subject[:_SUBJECT_MAX],
            "body": m.body,
            "secret": m.secret,
            "kind": m.kind,
            "idempotency_key": m.idempotency_key,
            "status": MailStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": not_before,
            "created_at": now,
            "sent_at": None,
            "last_error": None,
        }
        for m, not_before in routed.outbox
    ]
    ids = (
        list(db.session.scalars(statement, rows))
        if len(rows) > 1
        else [i for i in [db.session.execute(statement, rows[0]).scalar()] if i is not None]
    )
    if ids:
        enqueue_once(send_queued_mail)  # after the commit, never before
    return ids


# --- Sending: claim, send, mark ----------------------------------------------------------------------------


def compose(
    to: str,
    subject: str,
    body: str,
    msgid: str,
    date: datetime | None = None,
    unsubscribe: str | None = None,
) -> EmailMessage:
    """The message as it goes out (plain text, UTF-8); with *unsubscribe* (an https address), the RFC 8058
    one-click headers, so mail programs offer an "unsubscribe" button that posts to it."""
    cfg = current_app.config
    # The default policy folds long headers at 78 characters into RFC 2047 words, and mail readers drop the
    # space at each fold of a Korean subject ("관심을수락했습니다"); SMTP allows lines up to 998.
    msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date) if date else formatdate(localtime=False)
    msg["Message-ID"] = msgid
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(body)
    return msg


def _sender_domain() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].split("@")[-1] or "localhost"


class _Postman:
    """Hands messages to the SMTP server, one connection for a batch, or writes them to ``OUTBOX_DIR``."""

    def __init__(self) -> None:
        self.cfg = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def deliver(self, msg: EmailMessage, name: str) -> None:
        if not self.cfg["MAIL_SERVER"]:
            _write_file(msg, name)
            return
        try:
            if self.smtp is None:
                self.smtp = _connect(self.cfg)
            self.smtp.send_message(msg)
        except BaseException:
            self.close()  # a half-spoken conversation is not reused
            raise

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


def _connect(cfg) -> smtplib.SMTP:
    smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
    try:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _write_file(msg: EmailMessage, name: str) -> None:
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    tmp = outbox / f".{name}.tmp"
    tmp.write_bytes(bytes(msg))
    os.replace(tmp, outbox / f"{name}.eml")  # the same name on a second attempt: one file


def claim_due(limit: int, now: datetime) -> list:
    """Mark up to *limit* due rows ``sending`` for this worker, counting an attempt, and commit.

    Due: ``queued`` and ``next_attempt_at`` passed, or ``sending`` whose lease passed (its worker died).
    PostgreSQL skips rows another worker is claiming right now; SQLite runs one writer at a time, and the
    ``UPDATE`` is the transaction's first statement, so it reads and writes under one lock.
    """
    cfg = current_app.config
    due_now = and_(
        OutboxMail.status.in_((MailStatus.QUEUED, MailStatus.SENDING)),
        OutboxMail.next_attempt_at <= now,
        OutboxMail.attempts < cfg["MAIL_MAX_ATTEMPTS"],
    )
    due = select(OutboxMail.id).where(due_now).order_by(OutboxMail.next_attempt_at, OutboxMail.id)
    due = due.limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # Materialised: chosen once. As a plain subquery PostgreSQL may run it again for each row it updates,
    # and each run skips different rows (a batch of 2 claimed all 25 due rows in a test).
    chosen = due.cte("due").prefix_with("MATERIALIZED")
    statement = (
        update(OutboxMail)
        .where(OutboxMail.id.in_(select(chosen.c.id)), due_now)
        .values(
            status=MailStatus.SENDING,
            attempts=OutboxMail.attempts + 1,
            next_attempt_at=now + timedelta(seconds=cfg["MAIL_LEASE_SECONDS"]),
        )
        .returning(
            OutboxMail.id,
            OutboxMail.to_address,
            OutboxMail.subject,
            OutboxMail.body,
            OutboxMail.kind,
            OutboxMail.attempts,
            OutboxMail.created_at,
            OutboxMail.recipient_id,
        )
        .execution_options(synchronize_session=False)
    )
    rows = sorted(db.session.execute(statement).all(), key=lambda row: row.id)
    db.session.commit()
    return rows


def _give_up_abandoned(now: datetime) -> None:
    """Rows whose worker died mid-send on their last attempt: failed (they may have been delivered)."""
    cfg = current_app.config
    result: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(OutboxMail)
        .where(
            OutboxMail.status == MailStatus.SENDING,
            OutboxMail.next_attempt_at <= now,
            OutboxMail.attempts >= cfg["MAIL_MAX_ATTEMPTS"],
        )
        .values(status=MailStatus.FAILED, last_error="The worker stopped while sending the last attempt.")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("%s mail(s) failed: their worker stopped during the last attempt", result.rowcount)


def send_due(limit: int | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Claim the due rows (up to *limit*), send them and mark each; commits. Returns (claimed, sent).

    *now* is for tests that move the clock; a real run uses the time of each step.
    """
    _give_up_abandoned(now or utcnow())
    rows = claim_due(limit or current_app.config["MAIL_BATCH"], now or utcnow())
    links = delivery.unsubscribe_urls(rows)  # one query for the batch
    postman = _Postman()
    sent = 0
    try:
        for row in rows:
            sent += _send_one(postman, row, now, links.get(row.id))
    finally:
        postman.close()
    return len(rows), sent


def _send_one(postman: _Postman, row, now: datetime | None, unsubscribe: str | None = None) -> int:
    msgid = message_id(row.id, row.created_at, _sender_domain())
    msg = compose(row.to_address, row.subject, row.body or "", msgid, row.created_at, unsubscribe)
    try:
        postman.deliver(msg, msgid.strip("<>").split("@")[0])
    except Exception as exc:
        _record_failure(row, exc, now or utcnow())
        return 0
    crash_point("mail.sent")  # the server has it, the row does not say so yet: the one resend window
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row.id, OutboxMail.status == MailStatus.SENDING)
        .values(
            status=MailStatus.SENT,
            sent_at=now or utcnow(),
            last_error=None,
            body=case((OutboxMail.secret, None), else_=OutboxMail.body),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    log.info("mail %s (%s) sent", row.id, row.kind)
    return 1


def _record_failure(row, exc: Exception, now: datetime) -> None:
    cfg = current_app.config
    error = describe_error(exc)
    final = row.attempts >= cfg["MAIL_MAX_ATTEMPTS"] or _permanent(exc)
    values: dict = {"last_error": error}
    if final:
        values.update(status=MailStatus.FAILED, next_attempt_at=now)
    else:
        delay = retry_delay(row.attempts, cfg["MAIL_RETRY_SECONDS"], cfg["MAIL_RETRY_MAX_SECONDS"])
        values.update(status=MailStatus.QUEUED, next_attempt_at=now + delay)
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row.id, OutboxMail.status == MailStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not isinstance(exc, (smtplib.SMTPException, OSError)):
        log.error("mail %s could not be built or sent: %s", row.id, error, exc_info=exc)
    what = "failed for good" if final else "will be tried again"
    log.warning("mail %s attempt %s %s: %s", row.id, row.attempts, what, error)


def _permanent(exc: Exception) -> bool:
    """The server refused every recipient for good (5xx): trying again cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _msg in exc.recipients.values()
    )


def describe_error(exc: Exception) -> str:
    """The kind of failure and the server's answer, for admins: no password, at most 500 characters."""
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error
        text = f"{exc.smtp_code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
    else:
        text = str(exc)
    password = current_app.config.get("MAIL_PASSWORD")
    if password:
        text = text.replace(str(password), "[redacted]")
    return f"{type(exc).__name__}: {text}"[:500]


def purge_old_bodies(now: datetime | None = None) -> int:
    """Erase the bodies of sent and failed mail older than ``MAIL_KEEP_DAYS``; how many. Commits.

    Bodies hold live links (set-password tokens); the row stays, without its body, so its idempotency key
    still stops a second copy.
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    result: CursorResult = db.session.execute(  # type: ignore[assignment]
        update(OutboxMail)
        .where(
            OutboxMail.body.is_not(None),
            or_(
                and_(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at < cutoff),
                and_(OutboxMail.status == MailStatus.FAILED, OutboxMail.created_at < cutoff),
            ),
        )
        .values(body=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


@shared_task(name="lms.send_queued_mail")
def send_queued_mail() -> int:
    """Send everything due: the kick after each commit that queued mail, and the beat's sweep. How many sent.

    Ten batches at most, so one run never holds a worker for long; when more are waiting it queues itself
    again (behind the jobs already waiting), and other workers may take batches at the same time.
    """
    limit = current_app.config["MAIL_BATCH"]
    total = 0
    for _ in range(10):
        claimed, sent = send_due(limit)
        total += sent
        if claimed < limit:
            break
    else:
        send_queued_mail.apply_async()
    return total


@shared_task(name="lms.purge_sent_mail")
def purge_sent_mail() -> int:
    """Periodic: :func:`purge_old_bodies`."""
    return purge_old_bodies()


@shared_task(
    name="lms.send_mail", autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5
)
def send_mail(to: str, subject: str, body: str) -> str:
    """Deliver one message at once, outside the outbox (a test message from an admin or the CLI).

    Nothing records it: mail that must not be lost goes through :func:`queue_mail`. The Message-ID is derived
    from the content, so a retried task writes the same outbox file.
    """
    digest = hashlib.sha256(f"{to}\n{subject}\n{body}".encode()).hexdigest()[:24]
    msg = compose(to, subject, body, make_msgid(idstring=digest, domain=_sender_domain()))
    postman = _Postman()
    try:
        postman.deliver(msg, digest)
    finally:
        postman.close()
    log.info("mail %s delivered", digest)
    return digest


# --- Reading and forgetting --------------------------------------------------------------------------------


def forget_recipient(address: str) -> int:
    """Delete the outbox's copies of mail to *address* (anonymising a user); returns how many files.

    The outbox rows to that address go (flushed with the caller's transaction), and so do the embedded
    folder's files. Mail already handed to an SMTP server is not ours to clean.
    """
    from email.parser import BytesParser

    db.session.execute(
        delete(OutboxMail)
        .where(OutboxMail.to_address == address)
        .execution_options(synchronize_session=False)
    )
    outbox = Path(current_app.config["OUTBOX_DIR"])
    removed = 0
    for path in outbox.glob("*.eml") if outbox.is_dir() else ():
        headers = BytesParser(policy=policy.default).parsebytes(path.read_bytes(), headersonly=True)
        if parseaddr(str(headers["To"] or ""))[1].lower() == address.lower():
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("%s outbox message(s) to an anonymised user deleted", removed)
    return removed


def read_outbox(limit: int = 50) -> list[dict]:
    """The newest messages in the outbox folder (embedded mode without SMTP)."""
    from email.parser import BytesParser

    outbox = Path(current_app.config["OUTBOX_DIR"])
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    out = []
    for path in files:
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = msg.get_body(preferencelist=("plain",))
        out.append(
            {
                "id": path.stem,
                "to": msg["To"],
                "subject": msg["Subject"],
                "date": msg["Date"],
                "body": body.get_content() if body is not None else "",
            }
        )
    return out


def integrity_check(_app, repair: bool = False, grace: timedelta = timedelta(hours=1), **_kwargs):
    """Receiver of :data:`lms.signals.integrity_check`: failed mail, mail waiting past its time (no worker
    with ``--beat`` running?), and links built without ``PUBLIC_URL`` outside tests and debugging."""
    cfg = current_app.config
    findings = []
    if not cfg.get("PUBLIC_URL") and not (cfg.get("TESTING") or cfg.get("DEBUG")):
        findings.append(
            signals.Finding(
                "lms",
                "public_url_missing",
                "PUBLIC_URL",
                f"links in e-mails point to {public_url(cfg)}; set LMS_PUBLIC_URL to the address people open",
                needs_person=True,
            )
        )
    failed = db.session.execute(
        select(OutboxMail.id, OutboxMail.kind, OutboxMail.last_error)
        .where(OutboxMail.status == MailStatus.FAILED)
        .order_by(OutboxMail.id.desc())
        .limit(100)
    )
    for row in failed:
        detail = f"{row.kind}: {row.last_error or 'unknown error'}"
        findings.append(signals.Finding("lms", "mail_failed", f"mail {row.id}", detail, needs_person=True))
    # Several sweeps' worth at least: a queue a worker is working through is not late.
    wait = max(grace, timedelta(seconds=15 * cfg["MAIL_SWEEP_SECONDS"]))
    late = db.session.scalar(
        select(func.count())
        .select_from(OutboxMail)
        .where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at < utcnow() - wait)
    )
    if late:
        detail = f"{late} message(s) due for over {wait}: is a worker with --beat running?"
        findings.append(signals.Finding("lms", "mail_waiting", "mail_outbox", detail, needs_person=True))
    return findings


signals.integrity_check.connect(integrity_check)
