"""The offline bundle: the published portfolio as a self-contained HTML archive a trainee can send anywhere.

Only what any reader sees goes in (published items, their posters, previews and pictures, never an upload);
the archive is stored, not compressed, since the films are compressed already, and streamed as it is built.
"""

from __future__ import annotations

from zipfile import ZIP_STORED

from flask import render_template
from zipstream import ZipStream

from media.services import get_storage
from projects.common import zip_part_name
from projects.portfolios import services as portfolios
from projects.portfolios.models import Portfolio

#: The renditions of an item's file the bundle carries, with their file extension (None: the rendition's own).
ROLES = (("poster", "jpg"), ("preview", None), ("display", "jpg"))


def bundle(portfolio: Portfolio) -> tuple[ZipStream, str]:
    """The archive (index.html, style.css, posters, previews) and its ASCII file name."""
    storage_path = get_storage().path
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    entries = []
    for item in portfolios.items_for(portfolio, owner=False):
        files = {}
        for role, ext in ROLES:
            found = item.media.rendition(role) if item.media else None
            if found is None:
                continue
            files[role] = f"media/item-{item.id}-{role}.{ext or found.storage_key.rsplit('.', 1)[1]}"
            archive.add_path(str(storage_path(found.storage_key)), files[role])
            if role == "preview":
                files["preview_type"] = found.content_type
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
