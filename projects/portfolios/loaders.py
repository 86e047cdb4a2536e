"""Loaders that authorise: the screens and the API find portfolios, items and links only through these.

Each takes the user who asks and answers 404 for anything that user may not reach, so another trainee's
item, a portfolio not shared with the reader and a stopped link all look alike: not there.  Items are looked
up *through* their portfolio (an item id of another portfolio is a 404).
"""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import Role, User
from projects.portfolios import links
from projects.portfolios import services as portfolios
from projects.portfolios.models import Portfolio, PortfolioItem, ShareLink


def get_own_portfolio_or_404(user: User) -> Portfolio:
    """The trainee's own portfolio (made empty on first use); anyone else gets 404."""
    if user.role is not Role.TRAINEE:
        abort(404)
    return portfolios.portfolio_of(user, create=True)


def get_own_item_or_404(item_id: int, user: User) -> PortfolioItem:
    """An item of the trainee's own portfolio."""
    portfolio = get_own_portfolio_or_404(user)
    item = db.session.get(PortfolioItem, item_id)
    if item is None or item.portfolio_id != portfolio.id:
        abort(404)
    return item


def get_own_link_or_404(link_id: int, user: User) -> ShareLink:
    """A share link of the trainee's own portfolio."""
    portfolio = get_own_portfolio_or_404(user)
    link = db.session.get(ShareLink, link_id)
    if link is None or link.portfolio_id != portfolio.id:
        abort(404)
    return link


def get_readable_or_404(portfolio_id: int, user: User) -> Portfolio:
    """A portfolio *user* may read (its owner, staff, approved employers, as its visibility allows)."""
    portfolio = db.session.get(Portfolio, portfolio_id)
    if portfolio is None or not portfolios.can_read(user, portfolio):
        abort(404)
    return portfolio


def get_reader_item_or_404(portfolio: Portfolio, item_id: int, user: User | None) -> PortfolioItem:
    """An item of *portfolio* with a file, as its reader sees it: every item for the owner, shown ones for
    the others (*user* None: a link holder)."""
    owner = user is not None and portfolio.owner_id == user.id
    item = portfolios.reader_item(portfolio, item_id, owner=owner)
    if item is None or item.media is None:
        abort(404)
    return item


def get_link_or_404(token: str) -> ShareLink:
    """The share link of *token* while it works (checked on every request, so revoking stops it at once)."""
    return links.live_link(token) or abort(404)
