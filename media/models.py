"""Uploaded files, their processing state and the renditions made from them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship, validates

from lms.db import UTCDateTime, str_enum, utcnow
from lms.extensions import db
from lms.users.models import User
from media.similarity import PARTS, parts


class MediaStatus(str, enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"
    FAILED = "failed"

    @property
    def done(self) -> bool:
        """True once processing has reached an outcome (nothing more will change by itself)."""
        return self in (MediaStatus.READY, MediaStatus.REJECTED, MediaStatus.FAILED)


class MediaFile(db.Model):
    """One uploaded file and what the checks found in it.

    The bytes live in storage under a content address (``storage_key``); two
    uploads of the same content share the object but not this row, because
    each was checked against its own brief.
    """

    __tablename__ = "media_files"
    #: Multi-index hashing: a covering index per part, so a lookup reads the index alone, not the table's rows
    #: (PostgreSQL needs ``id`` in it for an index-only scan: 3 times faster at a million uploads).
    __table_args__ = tuple(
        Index(f"ix_media_files_phash_p{i}", f"phash_p{i}", "phash", "owner_id", "id") for i in range(PARTS)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the content, hex; shown on receipts and used to spot identical files.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(255))
    #: The name the browser sent; shown to people, never used as a path.
    original_name: Mapped[str] = mapped_column(String(255))
    #: The content type the browser claimed; recorded for support, never trusted.
    declared_type: Mapped[str] = mapped_column(String(120), default="")
    #: The deliverable spec (``media.validation.DeliverableSpec.to_dict()``) checked against.
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[MediaStatus] = mapped_column(
        str_enum(MediaStatus, 12), default=MediaStatus.PENDING, index=True
    )
    kind: Mapped[str | None] = mapped_column(String(16))
    #: ``[{"code": ..., "params": {...}}]`` from the validation report; translated when shown.
    problems: Mapped[list] = mapped_column(JSON, default=list)
    #: The probe's facts (container, codecs, duration, size after rotation, ...).
    info: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Why processing failed (for staff; trainees see a translated sentence instead).
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Video time of the poster; set by the trainee when ``poster_chosen``.
    poster_time: Mapped[float | None] = mapped_column(Float)
    poster_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 64-bit perceptual hash (hex) of the automatic poster or the image, for spotting near-duplicates.
    phash: Mapped[str | None] = mapped_column(String(16), index=True)
    #: The hash's three parts (:func:`media.similarity.parts`), set with ``phash``, never by hand; each
    #: is indexed with the hash and the owner (see ``__table_args__``) to find near-duplicates among millions.
    phash_p0: Mapped[int | None] = mapped_column(Integer)
    phash_p1: Mapped[int | None] = mapped_column(Integer)
    phash_p2: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped whenever renditions change, so browsers fetch the new ones.
    version: Mapped[int] = mapped_column(Integer, default=0)

    owner: Mapped[User] = relationship()
    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="Rendition.role"
    )

    @validates("phash")
    def _split_phash(self, _key: str, value: str | None) -> str | None:
        """Keep the indexed parts in step with the hash (erasing the hash erases them too)."""
        self.phash_p0, self.phash_p1, self.phash_p2 = parts(value) if value else (None,) * PARTS
        return value

    def rendition(self, role: str) -> Rendition | None:
        """The rendition playing *role* (``poster``, ``display``, ``sprite``, ``vtt``, ``preview``)."""
        return next((r for r in self.renditions if r.role == role), None)

    @property
    def duration(self) -> float | None:
        return self.info.get("duration") if self.info else None


class Rendition(db.Model):
    """A file Gongbang made from an upload (re-encoded, never the uploaded bytes)."""

    __tablename__ = "media_renditions"
    __table_args__ = (UniqueConstraint("media_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    media: Mapped[MediaFile] = relationship(back_populates="renditions")


class CaptionKind(str, enum.Enum):
    #: A translation of the speech, for people who hear but do not understand it.
    SUBTITLES = "subtitles"
    #: The speech and the sounds, for people who do not hear them.
    CAPTIONS = "captions"


class CaptionSource(str, enum.Enum):
    UPLOADED = "uploaded"
    #: Taken from a text subtitle stream inside the uploaded video.
    EXTRACTED = "extracted"
    #: Changed in Gongbang after it was uploaded or extracted.
    EDITED = "edited"
    #: Made by a machine (speech recognition, translation); shown as "needs review" until a person checks it.
    MACHINE = "machine"


class CaptionTrack(db.Model):
    """One caption or subtitle track of a video: its WebVTT text, language and kind.

    The text is kept in the row (checked, at most a megabyte), so a track and its file cannot drift apart;
    it is loaded only when served.  A video has any number of tracks, in any language.
    """

    __tablename__ = "media_caption_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_files.id", ondelete="CASCADE"), index=True)
    #: BCP 47 tag (``ko``, ``en``, ``vi``, ``zh-Hans``): the interface languages and any other.
    language: Mapped[str] = mapped_column(String(35))
    kind: Mapped[CaptionKind] = mapped_column(str_enum(CaptionKind, 12), default=CaptionKind.SUBTITLES)
    #: The name the player's menu shows; the language's name when left empty.
    label: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[CaptionSource] = mapped_column(str_enum(CaptionSource, 12), default=CaptionSource.UPLOADED)
    #: True until a person has checked a machine-made track (the player labels it "machine-made").
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The checked WebVTT file, as served.
    vtt: Mapped[str] = mapped_column(Text, deferred=True)
    cue_count: Mapped[int] = mapped_column(Integer, default=0)
    #: What was changed on the way in (``[{"code": ..., "params": {...}}]``, see ``media.captions``).
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    #: The uploaded file's name, or the stream it was taken from; shown to people, never used as a path.
    original_name: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    media: Mapped[MediaFile] = relationship(
        backref=backref(
            "caption_tracks",
            cascade="all, delete-orphan",
            passive_deletes=True,
            order_by="CaptionTrack.id",
        )
    )
    created_by: Mapped[User | None] = relationship()
