"""Links to an issued evidence pack, and their view log.

A link's token (256 bits) is shown once and stored as SHA-256, as portfolio share links are
(:mod:`projects.portfolios.links`).  A link works while it is neither revoked nor expired, its pack is not
revoked and its trainee's account is active.  Every opening through a link (the page, the PDF, the
credential) is logged for the trainee; nothing else about the reader is kept.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.evidence.models import EvidenceLink, EvidencePack, EvidenceView
from projects.evidence.services import check_owner

log = logging.getLogger(__name__)

LINK_DAYS_MAX = 180
#: What a view log entry says was opened.
WHAT = ("page", "pdf", "json")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_by_token(token: str) -> EvidenceLink | None:
    """The link of *token*, whatever its state."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(EvidenceLink).where(EvidenceLink.token_hash == token_hash(token)))


def link_state(link: EvidenceLink, now: datetime | None = None) -> str:
    """``revoked`` (the link or its pack), ``expired`` or ``live``."""
    if link.revoked_at is not None or link.pack.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "live"


def live_link(token: str, now: datetime | None = None) -> EvidenceLink | None:
    """The link of *token* while it works (see the module docstring)."""
    link = link_by_token(token)
    if link is None or link_state(link, now) != "live" or not link.pack.user.active:
        return None
    return link


def create_link(
    pack: EvidencePack, user: User, *, days: int, now: datetime | None = None
) -> tuple[EvidenceLink, str]:
    """A link to an issued pack that works for *days* days; returns the link and its token (shown once).

    :raises ProjectError: ``packs_trainees_only``, ``not_your_pack``, ``not_issued``, ``pack_revoked``,
        ``pack_link_expiry``.
    """
    check_owner(pack, user)
    if pack.revoked_at is not None:
        raise ProjectError("pack_revoked")
    if not pack.issued:
        raise ProjectError("not_issued")
    if not 1 <= int(days) <= LINK_DAYS_MAX:
        raise ProjectError("pack_link_expiry", limit=LINK_DAYS_MAX)
    token = secrets.token_urlsafe(32)  # 256 bits
    link = EvidenceLink(
        token_hash=token_hash(token), expires_at=(now or utcnow()) + timedelta(days=int(days))
    )
    pack.links.append(link)
    db.session.flush()
    log.info("evidence pack %s: link %s made, expires %s", pack.id, link.id, link.expires_at)
    return link, token


def revoke_link(link: EvidenceLink, user: User) -> None:
    """Stop a link at once (the next request through it is refused).

    :raises ProjectError: ``packs_trainees_only``, ``not_your_pack``.
    """
    check_owner(link.pack, user)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.flush()
        log.info("evidence link %s revoked", link.id)


def stop_links(pack: EvidencePack, now: datetime | None = None) -> int:
    """Revoke every link of *pack* not yet revoked; returns how many."""
    now = now or utcnow()
    stopped = 0
    for link in pack.links:
        if link.revoked_at is None:
            link.revoked_at = now
            stopped += 1
    if stopped:
        db.session.flush()
    return stopped


def log_view(link: EvidenceLink, what: str) -> None:
    """Record an opening through *link* (``page``, ``pdf`` or ``json``)."""
    link.last_used_at = utcnow()
    db.session.add(EvidenceView(pack_id=link.pack_id, link_id=link.id, what=what))
    db.session.flush()


def view_log(pack: EvidencePack, limit: int = 200) -> list[EvidenceView]:
    """The latest openings of *pack*, newest first."""
    return list(
        db.session.scalars(
            select(EvidenceView)
            .where(EvidenceView.pack_id == pack.id)
            .order_by(EvidenceView.viewed_at.desc(), EvidenceView.id.desc())
            .limit(limit)
        )
    )
