"""Personal access tokens: create, revoke, authenticate."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from lms.api.models import SCOPES, ApiToken
from lms.auth.services import hash_token
from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User

log = logging.getLogger(__name__)

#: Recognisable by secret scanners and people; the random part carries 256 bits.
TOKEN_PREFIX = "gbp_"


def create_token(
    user: User, name: str, scopes: str = "read", expires_days: int | None = 90
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the raw token is returned once and never stored."""
    wanted = scopes.split()
    if not wanted or any(s not in SCOPES for s in wanted):
        raise ValueError(f"scopes must be a subset of {SCOPES}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=raw[:10],
        token_hash=hash_token(raw),
        scopes=" ".join(s for s in SCOPES if s in wanted),
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    log.info("api token %s created for user %s", token.id, user.id)
    return token, raw


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def authenticate_token(raw: str) -> ApiToken | None:
    """The live token for ``raw`` whose owner is active, or ``None``."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )
