"""Caption tracks of videos: add one from a file or from the video itself, list, delete.

Split from :mod:`media.services` (past its size); the same rules: plain arguments, flush and log, the request
commits.  The file checks are :mod:`media.captions` (pure); who may see a track is who may see its video
(:func:`media.services.can_view`).
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

import av
import av.error
from babel import Locale
from babel.core import UnknownLocaleError

from lms.extensions import db
from lms.users.models import Role, User
from media import captions
from media.captions import CaptionFile, Cue, Limits, Problem
from media.models import CaptionKind, CaptionSource, CaptionTrack, MediaFile
from media.probe import open_container
from media.services import can_view, get_storage

log = logging.getLogger(__name__)

#: Languages offered first, after the interface languages: those of the centre's trainees.
COMMON_LANGUAGES = (
    "ko",
    "en",
    "vi",
    "zh",
    "id",
    "th",
    "uz",
    "ne",
    "km",
    "mn",
    "my",
    "fil",
    "si",
    "bn",
    "ja",
    "ru",
)
#: A BCP 47 language tag, as far as a player needs it: a language and optional script or region.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Z]{2}|\d{3}))?$")
#: ISO 639-2 codes containers write -> the tags browsers match against the reader's language.
_ISO639_2 = {
    "kor": "ko", "eng": "en", "vie": "vi", "chi": "zh", "zho": "zh", "ind": "id", "tha": "th", "uzb": "uz",
    "nep": "ne", "khm": "km", "mon": "mn", "bur": "my", "mya": "my", "tgl": "fil", "fil": "fil", "sin": "si",
    "ben": "bn", "jpn": "ja", "rus": "ru",
}  # fmt: skip


class CaptionRefused(Exception):
    """A caption file was not accepted; ``problems`` say why (see :func:`media.caption_messages.describe`)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(p.code for p in problems))
        self.problems = problems


def can_edit_captions(user: User, media: MediaFile) -> bool:
    """The owner, admins and the staff who may see the video add and remove its tracks (videos and sound
    recordings only: nothing plays a picture's captions)."""
    if media.kind not in ("video", "audio") or not can_view(user, media):
        return False
    return user.id == media.owner_id or user.role in (Role.ADMIN, Role.INSTRUCTOR)


def is_language_tag(tag: str) -> bool:
    """Whether *tag* is a language tag a player matches (whole string: ``$`` alone lets a newline through)."""
    return LANGUAGE_TAG.fullmatch(tag) is not None


def language_name(tag: str, locale: str) -> str:
    """*tag*'s language in the reader's *locale* (``vi`` -> "베트남어"); the tag itself when unknown."""
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name(locale) or tag
    except (ValueError, UnknownLocaleError):
        return tag


def language_choices(interface: list[str], locale: str) -> list[tuple[str, str]]:
    """``(tag, name)`` of the languages a track may have: the interface's first, then the others."""
    tags = list(dict.fromkeys([*interface, *COMMON_LANGUAGES]))
    return [(tag, language_name(tag, locale)) for tag in tags]


def limits_for(media: MediaFile) -> Limits:
    return Limits(duration=media.duration)


def add_track(
    media: MediaFile,
    by: User,
    stream: BinaryIO,
    *,
    filename: str,
    language: str,
    kind: CaptionKind,
    label: str = "",
) -> CaptionTrack:
    """Check the caption file in *stream* (WebVTT or SRT) against *media* and keep it as a new track.

    :raises CaptionRefused: the file has problems; nothing is stored.
    """
    parsed = captions.load(stream, filename, limits_for(media))
    return _keep(media, by, parsed, language, kind, label, CaptionSource.UPLOADED, filename)


def _keep(
    media: MediaFile,
    by: User | None,
    parsed: CaptionFile,
    language: str,
    kind: CaptionKind,
    label: str,
    source: CaptionSource,
    original_name: str,
) -> CaptionTrack:
    if not parsed.ok:
        raise CaptionRefused(parsed.problems)
    if not is_language_tag(language):
        raise ValueError(f"not a language tag: {language!r}")
    track = CaptionTrack(
        media=media,
        language=language,
        kind=kind,
        label=label.strip()[:80],
        source=source,
        needs_review=source is CaptionSource.MACHINE,
        vtt=captions.to_vtt(parsed.cues),
        cue_count=len(parsed.cues),
        warnings=[w.to_dict() for w in parsed.warnings],
        original_name=original_name[:255],
        created_by=by,
    )
    db.session.add(track)
    db.session.flush()
    log.info(
        "caption track %s added to media %s (%s, %s, %s cues) by user %s",
        track.id,
        media.id,
        source.value,
        language,
        track.cue_count,
        by.id if by else None,
    )
    return track


def extract_tracks(media: MediaFile, by: User) -> list[CaptionTrack]:
    """Keep each text subtitle stream inside *media*'s container as a track (``source`` extracted).

    The file is opened with the allow-listed demuxer of its sniffed container (never as a playlist or URL)
    and only the subtitle streams' packets are read, at most a caption file's limits of them.

    :raises CaptionRefused: no stream could be taken (``caption_no_text_stream``), or the first stream's
        cues have problems.
    """
    container_name = (media.info or {}).get("container")
    if media.kind != "video" or not container_name:
        raise CaptionRefused([Problem("caption_no_text_stream")])
    limits = limits_for(media)
    try:
        found = _read_text_streams(str(get_storage().path(media.storage_key)), container_name, limits)
    except (av.error.FFmpegError, OSError) as exc:
        log.warning("media %s: subtitle streams could not be read: %s", media.id, type(exc).__name__)
        found = []
    if not found:
        raise CaptionRefused([Problem("caption_no_text_stream")])
    tracks = []
    for index, language, cues in found:
        parsed = captions.parse_vtt(captions.to_vtt(cues), limits)
        tracks.append(
            _keep(
                media,
                by,
                parsed,
                language,
                CaptionKind.SUBTITLES,
                "",
                CaptionSource.EXTRACTED,
                f"{media.original_name} #{index}",
            )
        )
    return tracks


def _read_text_streams(path: str, container_name: str, limits: Limits) -> list[tuple[int, str, list[Cue]]]:
    """``(stream index, language tag, cues)`` per text subtitle stream of the file at *path*."""
    with open_container(path, container_name) as container:
        streams = [s for s in container.streams.subtitles if s.codec_context.name in captions.TEXT_CODECS]
        if not streams:
            return []
        cues: dict[int, list[Cue]] = {s.index: [] for s in streams}
        read = 0
        for packet in container.demux(streams):
            if packet.pts is None or packet.size == 0 or packet.stream.index not in cues:
                continue
            read += packet.size
            if read > limits.max_bytes or sum(len(c) for c in cues.values()) > limits.max_cues:
                break  # the check of the track refuses it with the cue count
            base = packet.time_base
            start = float(packet.pts * base)
            end = start + float((packet.duration or 0) * base)
            text = captions.cue_text_from_packet(packet.stream.codec_context.name, bytes(packet))
            if text.strip():
                cues[packet.stream.index].append(Cue(start, end, text))
        return [(s.index, _language_of(s), cues[s.index]) for s in streams if cues[s.index]]


def _language_of(stream) -> str:
    code = (stream.metadata.get("language") or "").lower()
    tag = _ISO639_2.get(code, code)
    return tag if is_language_tag(tag) else "und"


def replace_cues(track: CaptionTrack, vtt: str, by: User) -> CaptionFile:
    """Put the WebVTT text *vtt* (the editor's cues) in place of *track*'s, checked as an uploaded file is.

    On success the track is ``edited`` and no longer waits for review (a person has read it); the parsed
    file is returned for its warnings.

    :raises CaptionRefused: the cues have problems; the track is unchanged.
    """
    limits = limits_for(track.media)
    if len(vtt.encode("utf-8")) > limits.max_bytes:
        raise CaptionRefused([Problem("caption_too_large", {"limit": limits.max_bytes})])
    parsed = captions.parse_vtt(vtt, limits)
    if not parsed.ok:
        raise CaptionRefused(parsed.problems)
    track.vtt = captions.to_vtt(parsed.cues)
    track.cue_count = len(parsed.cues)
    track.warnings = [w.to_dict() for w in parsed.warnings]
    track.source = CaptionSource.EDITED
    track.needs_review = False
    db.session.flush()
    log.info(
        "caption track %s of media %s edited by user %s (%s cues)",
        track.id,
        track.media_id,
        by.id,
        track.cue_count,
    )
    return parsed


def delete_track(track: CaptionTrack, by: User) -> None:
    """Remove *track* from its video."""
    log.info("caption track %s of media %s deleted by user %s", track.id, track.media_id, by.id)
    db.session.delete(track)
    db.session.flush()


def ordered_tracks(media: MediaFile, locale: str) -> list[CaptionTrack]:
    """*media*'s tracks with the reader's language first (the player's default), then by language."""
    primary = locale.split("-")[0].split("_")[0]
    return sorted(
        media.caption_tracks,
        key=lambda t: (t.language.split("-")[0] != primary, t.needs_review, t.language, t.id),
    )


def get_track(media: MediaFile, track_id: int) -> CaptionTrack | None:
    """*media*'s track *track_id*; None for another video's track (ids are checked against the parent)."""
    track = db.session.get(CaptionTrack, track_id)
    return track if track is not None and track.media_id == media.id else None
