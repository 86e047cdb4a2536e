"""Media plugin and library: uploads, validation, thumbnails, previews.

The library modules (sniffing, probing, validation, thumbnails, previews) are
pure: they import neither Flask nor the database. ``init_app`` wires the plugin
into a Gongbang application.
"""
from __future__ import annotations


def init_app(app) -> None:
    """Register the media plugin: translations and the ``lms media`` commands."""
    from lms.plugins import add_translations
    from media.cli import cli as media_cli

    add_translations(app, __file__)
    app.cli.add_command(media_cli)
    app.extensions["media"] = {"version": 1}
