"""THE loaders of evidence packs for the screens and the API: a pack or link is its trainee's alone (anyone
else gets 404; staff never reach one)."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.evidence.models import EvidenceLink, EvidencePack


def get_own_pack_or_404(pack_id: int, user: User) -> EvidencePack:
    pack = db.session.get(EvidencePack, pack_id)
    if pack is None or pack.user_id != user.id:
        abort(404)
    return pack


def get_own_link_or_404(pack: EvidencePack, link_id: int) -> EvidenceLink:
    """A link of *pack* (loaded and checked first)."""
    link = db.session.get(EvidenceLink, link_id)
    if link is None or link.pack_id != pack.id:
        abort(404)
    return link
