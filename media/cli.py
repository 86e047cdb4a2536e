"""``media`` command group: inspect a file the way an upload is checked.

The group needs no application context and no database, so the Flask side
can attach it to the ``lms`` CLI (``app.cli.add_command(cli)``) and it also
runs on its own (``python -m media.cli inspect FILE``).

Exit status of ``inspect``: 0 accepted, 1 rejected, 2 usage error (click's
own code for a missing file or a bad option, reused for a bad spec).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import click

from media.errors import MediaError
from media.ffmpeg import FFmpegError
from media.messages import describe, load_translations
from media.thumbnails import make_poster
from media.validation import NO_PICTURE, DeliverableSpec, Report, validate

#: The languages media's messages are written in (its catalogues' folders; no import of the app's config).
CATALOGUES = sorted(p.name for p in (Path(__file__).parent / "translations").iterdir() if p.is_dir())

__all__ = ["cli", "inspect_command"]


@click.group("media")
def cli() -> None:
    """Inspect and validate media files (no database needed)."""


def _load_spec(value: str | None) -> DeliverableSpec:
    if not value:
        return DeliverableSpec()
    try:
        if value.startswith("@"):
            text = Path(value[1:]).read_text(encoding="utf-8")
        else:
            text = value
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the spec must be a JSON object")
        return DeliverableSpec.from_dict(data)
    except (OSError, ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--spec'") from exc


@cli.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--spec", "spec_text", metavar="JSON|@FILE", help="Deliverable spec as JSON, or @path to a JSON file."
)
@click.option(
    "--poster",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a poster (video) or thumbnail (image) here: .jpg, .png or .webp.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
@click.option(
    "--lang",
    type=click.Choice(CATALOGUES),
    default="en",
    show_default=True,
    help="Language of the problem messages.",
)
def inspect_command(file: Path, spec_text: str | None, poster: Path | None, as_json: bool, lang: str) -> None:
    """Probe FILE, check it against --spec and report what was found."""
    spec = _load_spec(spec_text)
    if poster is not None and poster.suffix.lower() not in (".jpg", ".jpeg", ".png", ".webp"):
        raise click.BadParameter("use a .jpg, .png or .webp file name", param_hint="'--poster'")
    report = validate(file, spec)
    gettext = load_translations(lang).gettext
    info = dict(report.info)
    if poster is not None:
        info["poster"] = _write_poster(file, poster, report)
    messages = [describe(p, gettext) for p in report.problems]
    if as_json:
        payload = {
            "ok": report.ok,
            "kind": report.kind,
            "problems": [{"code": p.code, "message": m} for p, m in zip(report.problems, messages)],
            "info": info,
        }
        # Korean messages stay readable; default=str covers Fractions and paths.
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        _print_summary(file, report, messages, info)
    click.get_current_context().exit(0 if report.ok else 1)


def _write_poster(file: Path, out: Path, report: Report) -> str | None:
    if report.kind not in ("video", "image") or set(report.codes) & NO_PICTURE or report.media is None:
        return None
    try:
        return make_poster(file, out, info=report.media).path
    except (MediaError, FFmpegError, OSError):
        return None


def _print_summary(file: Path, report: Report, messages: list[str], info: dict[str, Any]) -> None:
    verdict = click.style("OK", fg="green") if report.ok else click.style("REJECTED", fg="red")
    click.echo(f"{file}: {verdict} ({report.kind})")
    for label, key, unit in (
        ("container", "container", ""),
        ("size", "size_bytes", " bytes"),
        ("duration", "duration", " s"),
        ("video", "video_codec", ""),
        ("audio", "audio_codec", ""),
        ("fps", "fps", ""),
    ):
        if info.get(key) is not None:
            click.echo(f"  {label:<10} {info[key]}{unit}")
    if info.get("width"):
        rotation = f" (rotated {info['rotation']}°)" if info.get("rotation") else ""
        click.echo(f"  {'picture':<10} {info['width']}×{info['height']}{rotation}")
    for problem, message in zip(report.problems, messages):
        click.echo(f"  - [{problem.code}] {message}")
    if "poster" in info:
        click.echo(f"  {'poster':<10} {info['poster'] or 'not written'}")


def _with_app(command):
    """Flask's ``with_appcontext``, imported only when a database command runs (``inspect`` needs no
    Flask)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from flask.cli import with_appcontext

        return with_appcontext(command)(*args, **kwargs)

    return run


@cli.command("reprocess")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every upload (e.g. after upgrading the media tools).")
@click.option(
    "--status",
    type=click.Choice(["pending", "processing", "ready", "rejected", "failed"]),
    help="Only uploads in this state (with --all).",
)
@_with_app
def reprocess_command(ids: tuple[int, ...], every: bool, status: str | None) -> None:
    """Check uploads again and remake their renditions (by ID, or --all)."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.jobs import commit
    from media.models import MediaFile, MediaStatus
    from media.services import request_reprocess

    if bool(ids) == every:
        raise click.UsageError("give upload IDs or --all (not both)")
    query = select(MediaFile).order_by(MediaFile.id)
    query = query.where(MediaFile.id.in_(ids)) if ids else query
    if status:
        query = query.where(MediaFile.status == MediaStatus(status))
    found = db.session.scalars(query).all()
    missing = sorted(set(ids) - {m.id for m in found})
    for media in found:
        request_reprocess(media)
    commit()
    click.echo(f"queued {len(found)} upload(s)" + (f"; not found: {missing}" if missing else ""))
    if missing:
        click.get_current_context().exit(1)


@cli.command("requeue-stalled")
@click.option(
    "--minutes", type=int, default=None, help="Older than this (default: LMS_MEDIA_STALLED_MINUTES)."
)
@_with_app
def requeue_stalled_command(minutes: int | None) -> None:
    """Queue again uploads left pending or processing (e.g. after a broker was reset)."""
    from datetime import timedelta

    from flask import current_app

    from lms.jobs import commit
    from media.services import requeue_stalled

    if minutes is None:
        minutes = current_app.config["MEDIA_STALLED_MINUTES"]
    ids = requeue_stalled(timedelta(minutes=minutes))
    commit()
    click.echo(f"queued {len(ids)} upload(s)")


@cli.command("purge-uploads")
@_with_app
def purge_uploads_command() -> None:
    """Delete expired resumable uploads and stale temporary files (beat runs this regularly)."""
    from media.services import purge_uploads

    removed, stale = purge_uploads()
    click.echo(f"removed {len(removed)} expired upload(s) and {stale} temporary file(s)")


if __name__ == "__main__":
    cli()
