"""Outgoing mail: SMTP when configured, otherwise .eml files in the outbox folder.

Mail is composed in the recipient's language, then delivered by the
``lms.send_mail`` task so a slow mail server never holds up a page.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from celery import shared_task
from flask import current_app, render_template
from flask_babel import force_locale

from lms.jobs import enqueue

log = logging.getLogger(__name__)


def send_template(user, name: str, **context) -> None:
    """Queue the mail ``templates/lms/mail/<name>.txt`` to ``user`` in their language.

    The first line of the rendered template is the subject.
    """
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        text = render_template(f"lms/mail/{name}.txt", user=user, **context)
    subject, _, body = text.partition("\n")
    enqueue(send_mail, user.email, subject.strip(), body.lstrip("\n"))


@shared_task(
    name="lms.send_mail", autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5
)
def send_mail(to: str, subject: str, body: str) -> str:
    """Deliver one message. Retried with backoff; a rerun writes the same outbox file."""
    cfg = current_app.config
    # The default policy folds long headers at 78 characters into RFC 2047 words, and mail readers drop the
    # space at each fold of a Korean subject ("관심을수락했습니다"); SMTP allows lines up to 998.
    msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    # Derived from the content so that a retried task does not produce a second copy.
    digest = hashlib.sha256(f"{to}\n{subject}\n{body}".encode()).hexdigest()[:24]
    msg["Message-ID"] = make_msgid(
        idstring=digest, domain=parseaddr(cfg["MAIL_DEFAULT_SENDER"])[1].split("@")[-1]
    )
    msg.set_content(body)
    if cfg["MAIL_SERVER"]:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        log.info("mail %s sent to %s by SMTP", digest, to)
        return digest
    outbox = Path(cfg["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    tmp = outbox / f".{digest}.tmp"
    tmp.write_bytes(bytes(msg))
    os.replace(tmp, outbox / f"{digest}.eml")
    log.info("mail %s to %s written to the outbox", digest, to)
    return digest


def forget_recipient(address: str) -> int:
    """Delete the outbox's copies of mail to *address* (anonymising a user); returns how many.

    Only the embedded outbox folder is ours to clean: mail already handed to an SMTP server is not.
    """
    from email.parser import BytesParser

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
        out.append(
            {
                "id": path.stem,
                "to": msg["To"],
                "subject": msg["Subject"],
                "date": msg["Date"],
                "body": msg.get_body(preferencelist=("plain",)).get_content(),
            }
        )
    return out
