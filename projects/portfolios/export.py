"""The offline bundle: the published portfolio as a self-contained HTML archive a trainee can send anywhere.

Only what any reader sees goes in (published items, their posters, previews and pictures, the videos' caption
tracks as WebVTT files, never an upload); the archive is stored, not compressed, since the films are
compressed already, and streamed as it is built.
"""

from __future__ import annotations

from typing import Any
from zipfile import ZIP_STORED

from flask import render_template
from flask_babel import get_locale
from zipstream import ZipStream

from media import caption_services
from media.models import CaptionTrack
from media.services import get_storage
from projects.common import zip_part_name
from projects.portfolios import services as portfolios
from projects.portfolios.models import Portfolio, PortfolioItem

#: The renditions of an item's file the bundle carries, with their file extension (None: the rendition's own).
ROLES = (("poster", "jpg"), ("preview", None), ("display", "jpg"))


def bundle(portfolio: Portfolio) -> tuple[ZipStream, str]:
    """The archive (index.html, style.css, posters, previews, caption tracks) and its ASCII file name."""
    storage_path = get_storage().path
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    entries = []
    for item in portfolios.items_for(portfolio, owner=False):
        files: dict[str, Any] = {}
        for role, ext in ROLES:
            found = item.media.rendition(role) if item.media else None
            if found is None:
                continue
            files[role] = f"media/item-{item.id}-{role}.{ext or found.storage_key.rsplit('.', 1)[1]}"
            archive.add_path(str(storage_path(found.storage_key)), files[role])
            if role == "preview":
                files["preview_type"] = found.content_type
        if "preview" in files:
            files["tracks"] = _caption_files(archive, item)
        entries.append((item, files))
    html = render_template(
        "projects/portfolio/bundle.html",
        portfolio=portfolio,
        entries=entries,
        name=portfolio.owner.name,
        korean=portfolios.korean_shown(portfolio),
        regions=portfolios.REGIONS,
    )
    archive.add(html.encode("utf-8"), "index.html")
    archive.add(render_template("projects/portfolio/bundle.css").encode("utf-8"), "style.css")
    filename = f"portfolio-{zip_part_name(portfolio.owner.name).replace(' ', '-') or portfolio.id}.zip"
    return archive, filename.encode("ascii", "ignore").decode()


def _caption_files(archive: ZipStream, item: PortfolioItem) -> list[tuple[CaptionTrack, str]]:
    """Put each caption track of *item*'s video in *archive* as a WebVTT file; ``(track, file name)`` pairs,
    the reader's language first (a track's language is a checked tag: letters, digits and hyphens)."""
    found = []
    for track in reader_tracks(item):
        name = f"media/item-{item.id}-captions-{track.id}.{track.language}.vtt"
        archive.add(track.vtt.encode("utf-8"), name)
        found.append((track, name))
    return found


def reader_tracks(item: PortfolioItem) -> list[CaptionTrack]:
    """The caption tracks of *item*'s video, the reader's language first (the player's default)."""
    if item.media is None:
        return []
    return caption_services.ordered_tracks(item.media, str(get_locale() or "ko"))
