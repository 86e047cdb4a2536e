"""Share links and the view log of a portfolio.

A share-link token is shown once and stored as SHA-256; a link works while it is neither revoked nor expired
and the portfolio's visibility is "link".  Leaving "link" visibility stops every live link for good
(:func:`stop_links`), so widening it again later never reopens a link the trainee may have forgotten.
Employers' reads and reads through a link are logged for the trainee; the owner's and staff's are not.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import Role, User
from projects.portfolios.messages import PortfolioError
from projects.portfolios.models import Portfolio, PortfolioView, ShareLink, Visibility

log = logging.getLogger(__name__)

LINK_DAYS_MAX = 365
RECIPIENT_MAX = 160


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_by_token(token: str) -> ShareLink | None:
    """The share link of *token*, whatever its state."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))


def live_link(token: str, now: datetime | None = None) -> ShareLink | None:
    """The share link of *token* while it works: not revoked, not expired, the portfolio still shared by
    link."""
    link = link_by_token(token)
    now = now or utcnow()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    portfolio = link.portfolio
    if portfolio.visibility is not Visibility.LINK or not portfolio.owner.active:
        return None
    return link


def create_link(
    portfolio: Portfolio, *, recipient: str, days: int, now: datetime | None = None
) -> tuple[ShareLink, str]:
    """A link for one recipient that works for *days* days; returns the link and its token (shown once).

    :raises PortfolioError: ``recipient_missing``, ``too_long``, ``bad_expiry``, ``not_link_visible`` (the
        portfolio is not shared by link: a link would not open it).
    """
    recipient = recipient.strip()
    if not recipient:
        raise PortfolioError("recipient_missing")
    if len(recipient) > RECIPIENT_MAX:
        raise PortfolioError("too_long", limit=RECIPIENT_MAX)
    if not 1 <= int(days) <= LINK_DAYS_MAX:
        raise PortfolioError("bad_expiry", limit=LINK_DAYS_MAX)
    if portfolio.visibility is not Visibility.LINK:
        raise PortfolioError("not_link_visible")
    token = secrets.token_urlsafe(32)  # 256 bits
    link = ShareLink(
        recipient=recipient,
        token_hash=token_hash(token),
        expires_at=(now or utcnow()) + timedelta(days=int(days)),
    )
    portfolio.links.append(link)
    db.session.flush()
    log.info("portfolio %s: share link %s made, expires %s", portfolio.id, link.id, link.expires_at)
    return link, token


def revoke_link(link: ShareLink) -> None:
    """Stop a link at once (the next request through it is refused)."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.flush()
        log.info("share link %s revoked", link.id)


def stop_links(portfolio: Portfolio, now: datetime | None = None) -> int:
    """Revoke every live (or paused) link of *portfolio*; returns how many."""
    now = now or utcnow()
    stopped = 0
    for link in portfolio.links:
        if link.revoked_at is None and link.expires_at > now:
            link.revoked_at = now
            stopped += 1
    if stopped:
        db.session.flush()
        log.info("portfolio %s: %s share links stopped", portfolio.id, stopped)
    return stopped


def link_state(link: ShareLink, now: datetime | None = None) -> str:
    """``revoked``, ``expired``, ``paused`` (unexpired, but the portfolio is not shared by link, so it answers
    404) or ``live``."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "live" if link.portfolio.visibility is Visibility.LINK else "paused"


def log_view(portfolio: Portfolio, *, viewer: User | None = None, link: ShareLink | None = None) -> None:
    """Record a view by an employer or through a link (the owner's and staff's own reading is not logged)."""
    if link is not None:
        link.last_used_at = utcnow()
        db.session.add(PortfolioView(portfolio_id=portfolio.id, link_id=link.id, via="link"))
    elif viewer is not None and viewer.role is Role.EMPLOYER:
        db.session.add(PortfolioView(portfolio_id=portfolio.id, viewer_id=viewer.id, via=viewer.role.value))
    else:
        return
    db.session.flush()


def view_log(portfolio: Portfolio, limit: int = 200) -> list[PortfolioView]:
    """The latest reads of *portfolio*, newest first."""
    return list(
        db.session.scalars(
            select(PortfolioView)
            .where(PortfolioView.portfolio_id == portfolio.id)
            .order_by(PortfolioView.viewed_at.desc(), PortfolioView.id.desc())
            .limit(limit)
        )
    )
