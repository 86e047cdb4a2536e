"""Evidence packs in a person's personal-data download, and withdrawn when they are anonymised.

The download holds each pack: its recipient, the parts chosen, the consent time, the frozen facts and the
credential as issued, its links (never their tokens, which are not stored) and its view log.  Anonymising
withdraws every pack (each link stops, each credential checks as revoked) and empties what they held: the
rows stay only so that a status list bit keeps its meaning.
"""

from __future__ import annotations

from lms.extensions import db
from lms.signals import PersonalData
from lms.users.privacy import row_dict
from projects.common import loaded


def personal_data(user, **_kwargs):
    if not loaded():
        return None
    from projects.evidence import links, services

    packs = [
        {
            **row_dict(pack, skip=("user_id",)),
            "links": [row_dict(link, skip=("token_hash", "pack_id")) for link in pack.links],
            "views": [row_dict(view, skip=("pack_id",)) for view in links.view_log(pack)],
        }
        for pack in services.packs_of(user)
    ]
    return [PersonalData("evidence", {"packs": packs})]


def anonymise(user, by=None, **_kwargs) -> None:
    if not loaded():
        return
    from projects.evidence import services

    for pack in services.packs_of(user):
        services.revoke_pack(pack, None)
        pack.recipient_name = ""
        pack.choices = {}
        pack.snapshot = None
        if pack.credential is not None:
            pack.credential = {"anonymised": True}
    db.session.flush()
