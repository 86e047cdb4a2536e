"""Authentication services: credentials, throttling, sessions and link tokens."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from lms import signals
from lms.auth.models import AuthToken, LoginFailure, TokenPurpose, UserSession
from lms.db import utcnow
from lms.extensions import db
from lms.passwords import Hasher, check_password
from lms.users.models import User

log = logging.getLogger(__name__)

#: The shape of an address: what a sign-in failure may name in the log and the throttle's key. Anything else
#: typed into the address box (often the password, typed there by mistake) is neither logged nor stored.
_ADDRESS = re.compile(r"[^@\s]{1,64}@[^@\s]{1,253}")
NOT_AN_ADDRESS = "(not an e-mail address)"


class Throttled(Exception):
    """Too many failed logins for this account or address."""

    def __init__(self, retry_after: timedelta):
        super().__init__(retry_after)
        self.retry_after = retry_after


class PasswordRejected(ValueError):
    """The new password breaks the policy; ``problems`` holds the codes."""

    def __init__(self, problems: list[str]):
        super().__init__(", ".join(problems))
        self.problems = problems


def hash_token(raw: str) -> str:
    """SHA-256 of a random token: what the database stores instead of the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> str:
    """A URL-safe token with 256 random bits."""
    return secrets.token_urlsafe(32)


def hasher() -> Hasher:
    ext = current_app.extensions
    if "lms.hasher" not in ext:
        cfg = current_app.config
        ext["lms.hasher"] = Hasher(
            time_cost=cfg.get("ARGON2_TIME_COST", 3),
            memory_cost=cfg.get("ARGON2_MEMORY_COST", 65536),
            parallelism=cfg.get("ARGON2_PARALLELISM", 2),
        )
    return ext["lms.hasher"]


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _failures_since(key: str, since) -> int:
    return (
        db.session.scalar(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.key == key, LoginFailure.created_at >= since
            )
        )
        or 0
    )


def authenticate(email: str, password: str, ip: str) -> User | None:
    """Check credentials, applying per-account and per-address throttling.

    Unknown accounts, wrong passwords and disabled accounts all return ``None``
    after the same amount of hashing work, so callers cannot tell them apart.

    :raises Throttled: when the account or the address has too many recent failures.
    """
    cfg = current_app.config
    email = normalise_email(email)
    if not _ADDRESS.fullmatch(email):
        email = NOT_AN_ADDRESS  # no account has it, so nobody is throttled by it and the search finds none
    now = utcnow()
    since = now - cfg["LOGIN_WINDOW"]
    acct_key, ip_key = f"acct:{email}", f"ip:{ip}"
    if (
        _failures_since(acct_key, since) >= cfg["LOGIN_MAX_FAILURES_ACCOUNT"]
        or _failures_since(ip_key, since) >= cfg["LOGIN_MAX_FAILURES_IP"]
    ):
        raise Throttled(cfg["LOGIN_WINDOW"])
    user = db.session.scalar(select(User).where(User.email == email))
    ok = hasher().verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        db.session.add_all(
            [LoginFailure(key=acct_key, created_at=now), LoginFailure(key=ip_key, created_at=now)]
        )
        log.info("login failed for %r from %s", email, ip)  # %r: a newline in the input cannot forge a line
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == acct_key))
    if hasher().needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    return user


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    """Register a new signed-in session and return its token (for the cookie)."""
    raw = new_token()
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=hash_token(raw),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:255],
            created_at=now,
            last_seen_at=now,
        )
    )
    user.last_login_at = now
    db.session.flush()
    log.info("user %s signed in from %s", user.id, ip)
    signals.user_logged_in.send(user)
    return raw


def user_for_session(raw: str | None, user_id: str) -> User | None:
    """The active user owning session token ``raw``, or ``None`` if it has ended."""
    if not raw:
        return None
    us = db.session.scalar(select(UserSession).where(UserSession.token_hash == hash_token(raw)))
    if us is None or str(us.user_id) != str(user_id):
        return None
    cfg, now = current_app.config, utcnow()
    if (
        now - us.last_seen_at > cfg["SESSION_IDLE_TIMEOUT"]
        or now - us.created_at > cfg["PERMANENT_SESSION_LIFETIME"]
    ):
        db.session.delete(us)
        db.session.commit()  # the user loader runs before the view: the ended session goes even if it fails
        return None
    if not us.user.active:
        return None
    # Touch at most every five minutes: a write per request would serialise SQLite.
    if now - us.last_seen_at > timedelta(minutes=5):
        us.last_seen_at = now
        db.session.commit()  # before the view, like the API token's last use
    return us.user


def end_session(raw: str | None) -> None:
    if raw:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(raw)))


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere (used on disable and on password change)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def set_password(user: User, password: str) -> None:
    """Set a new password after checking the policy; ends the user's other sessions.

    :raises PasswordRejected: with the policy problem codes.
    """
    problems = check_password(password, personal=(user.email, user.name))
    if problems:
        raise PasswordRejected(problems)
    user.password_hash = hasher().hash(password)
    end_all_sessions(user)
    db.session.flush()


def issue_link_token(user: User, purpose: TokenPurpose) -> str:
    """Create a single-use link token; earlier unused ones of the same purpose stop working."""
    now = utcnow()
    for old in db.session.scalars(
        select(AuthToken).where(
            AuthToken.user_id == user.id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    ttl = current_app.config["INVITE_TTL" if purpose is TokenPurpose.INVITE else "RESET_TTL"]
    raw = new_token()
    db.session.add(
        AuthToken(
            user_id=user.id, purpose=purpose, token_hash=hash_token(raw), created_at=now, expires_at=now + ttl
        )
    )
    db.session.flush()
    return raw


def find_link_token(raw: str) -> AuthToken | None:
    """The usable (unused, unexpired, active user) token for ``raw``, or ``None``."""
    tok = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(raw or "")))
    if tok is None or tok.used_at is not None or tok.expires_at <= utcnow() or not tok.user.active:
        return None
    return tok


def redeem_link_token(raw: str, password: str) -> User | None:
    """Set the password through a link token and spend the token.

    :returns: the user, or ``None`` when the link is unknown, used or expired.
    :raises PasswordRejected: when the password breaks the policy (the token stays usable).
    """
    tok = find_link_token(raw)
    if tok is None:
        return None
    set_password(tok.user, password)
    tok.used_at = utcnow()
    db.session.flush()
    log.info("user %s set a password through a %s link", tok.user_id, tok.purpose.value)
    return tok.user


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; silent otherwise."""
    from lms.mail import send_template

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    raw = issue_link_token(user, TokenPurpose.RESET)
    send_template(user, "reset", token=raw)
