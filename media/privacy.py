"""The media plugin's answers about personal data: a user's files for their download, and removal on
anonymisation (receivers of :data:`lms.signals.personal_data_requested` and
:data:`lms.signals.user_anonymised`).
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import or_, select

from lms.archives import part_name
from lms.extensions import db
from lms.signals import PersonalData
from media.models import CaptionTrack, MediaFile
from media.services import get_storage

log = logging.getLogger(__name__)


def _loaded() -> bool:
    return "media" in current_app.extensions


def _files_of(user) -> list[MediaFile]:
    return list(
        db.session.scalars(select(MediaFile).where(MediaFile.owner_id == user.id).order_by(MediaFile.id))
    )


def personal_data(user, **_kwargs):
    """The user's uploads: their facts and the uploaded bytes (renditions are made from them, so left out)."""
    from lms.users.privacy import row_dict

    if not _loaded():
        return None
    storage = get_storage()
    rows, files = [], []
    for media in _files_of(user):
        rows.append(
            {
                **row_dict(media, skip=("owner_id", "storage_key")),
                "renditions": [r.role for r in media.renditions],
            }
        )
        path = storage.path(media.storage_key)
        if path.is_file():
            files.append((f"{media.id}-{part_name(media.original_name)}", str(path)))
    return [PersonalData("media", {"uploads": rows, "captions": _captions_of(user)}, files)]


def _captions_of(user) -> list[dict]:
    """Caption tracks of the user's videos and those they added to others' (the WebVTT text included: it is
    kept in the row, not in storage)."""
    from lms.users.privacy import row_dict

    tracks = db.session.scalars(
        select(CaptionTrack)
        .join(MediaFile, MediaFile.id == CaptionTrack.media_id)
        .where(or_(MediaFile.owner_id == user.id, CaptionTrack.created_by_id == user.id))
        .order_by(CaptionTrack.id)
    )
    return [row_dict(t, skip=("created_by_id",)) for t in tracks]


def _referenced_elsewhere(media: MediaFile) -> bool:
    """Whether a row outside the media plugin must keep *media* (a handed-in attempt refers to it)."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "media_files" and fk.ondelete == "RESTRICT":
                column = fk.parent
                if db.session.execute(select(column).where(column == media.id).limit(1)).first():
                    return True
    return False


def remove_files(user, by=None, **_kwargs) -> None:
    """Receiver of ``user_anonymised``: delete the user's files from storage, and their rows where nothing
    needs them.

    An upload that was handed in stays as a row (attempts refer to it, and their grades are kept) with its
    name and facts cleared; its bytes and renditions go.  Content shared with another owner's identical
    upload keeps its bytes for them.
    """
    if not _loaded():
        return
    storage = get_storage()
    removed = kept = 0
    for media in _files_of(user):
        for rendition in list(media.renditions):
            storage.delete(rendition.storage_key)
            media.renditions.remove(rendition)
        shared = db.session.scalar(
            select(MediaFile.id)
            .where(MediaFile.storage_key == media.storage_key, MediaFile.owner_id != user.id)
            .limit(1)
        )
        if shared is None:
            storage.delete(media.storage_key)
        if _referenced_elsewhere(media):
            media.original_name, media.declared_type, media.info, media.phash = "—", "", {}, None
            media.error = "anonymised: file removed"
            kept += 1
        else:
            db.session.delete(media)
            removed += 1
    db.session.flush()
    log.info(
        "user %s anonymised: %s upload row(s) deleted, %s kept without their files", user.id, removed, kept
    )
