"""Self check-in: the rotating code a session shows (an HMAC of the session and the 30-second step under the
session's secret), and a trainee's check-in with it."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import Role, User
from projects.attendance import rules, services
from projects.attendance.marks import record_of
from projects.attendance.models import AttendanceRecord, Mark, MarkSource, TrainingSession
from projects.common import ProjectError

log = logging.getLogger(__name__)

#: The check-in code changes every STEP seconds; the one just before is still taken (a scan near the change).
STEP = 30
#: Characters of a code: no 0/O, 1/I/L, so it can be typed from the screen without doubt.  Eight of them
#: are 40 bits: guessing one in its minute is out of reach without a limit on tries.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
#: Trainees may check in from this long before the start until the end.
CHECKIN_OPENS = timedelta(minutes=15)


def code_at(session: TrainingSession, moment: datetime) -> str:
    """The check-in code of *session* during the 30-second step of *moment*."""
    step = int(moment.timestamp()) // STEP
    digest = hmac.new(bytes.fromhex(session.secret), f"{session.id}:{step}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def qr_svg(url: str, title: str = "") -> str:
    """The URL as a QR code, inline SVG (segno; no inline styles, so the page's CSP holds)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#111", title=title or None)


def seconds_left(moment: datetime) -> int:
    return STEP - int(moment.timestamp()) % STEP


def checkin_open(session: TrainingSession, now: datetime) -> bool:
    return session.starts_at - CHECKIN_OPENS <= now <= session.ends_at


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:20]


def code_matches(session: TrainingSession, code: str, now: datetime) -> bool:
    """Whether *code* is the session's code now or in the step before (compared in constant time)."""
    code = normalise_code(code)
    return any(
        hmac.compare_digest(code, code_at(session, now - timedelta(seconds=STEP * back))) for back in (0, 1)
    )


def open_sessions_for(user: User, now: datetime) -> list[TrainingSession]:
    return [
        s
        for s in services.sessions_for(user, now - timedelta(hours=12), now + CHECKIN_OPENS)
        if checkin_open(s, now)
    ]


def check_in(user: User, code: str, *, browser_session: str, ip: str | None, now: datetime | None = None):
    """Check *user* in to the open session of theirs whose live code is *code*.

    The code alone is not enough: the check-in is made for the trainee signed in with *browser_session*
    (its hash is kept with the mark), only while the session is open, only with a code of the last minute,
    and once per trainee and session.
    """
    now = now or utcnow()
    if user.role is not Role.TRAINEE:
        raise ProjectError("trainees_only")
    candidates = open_sessions_for(user, now)
    if not candidates:
        raise ProjectError("no_open_session")
    session = next((s for s in candidates if code_matches(s, code, now)), None)
    if session is None:
        log.info("check-in refused for user %s: wrong or expired code", user.id)
        raise ProjectError("bad_code")
    existing = record_of(session, user)
    if existing is not None:
        raise ProjectError("already_checked_in")
    programme_rules = services.rules_for(session.cohort.programme_id)
    mark = rules.mark_for(session.starts_at, session.ends_at, now, None, programme_rules)
    record = AttendanceRecord(
        session_id=session.id,
        user_id=user.id,
        mark=Mark(mark),
        arrived_at=now,
        source=MarkSource.CHECK_IN,
        marked_by_id=user.id,
        marked_at=now,
        checkin_session_hash=hashlib.sha256(browser_session.encode()).hexdigest(),
        checkin_ip=(ip or "")[:45] or None,
    )
    try:
        # A second tap racing the first (or the instructor's roll call) meets the unique constraint.
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        raise ProjectError("already_checked_in") from None
    log.info("user %s checked in to session %s (%s)", user.id, session.id, mark)
    return record
