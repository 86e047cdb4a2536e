"""Loading plugins from the ``lms.plugins`` entry-point group.

``LMS_PLUGINS`` names the plugins to load, in order. An unknown or broken name
stops the application from starting: silently running without a plugin would
hide whole features (and their permission checks) from an administrator.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

from flask import Flask

GROUP = "lms.plugins"


class PluginError(RuntimeError):
    """A plugin named in the configuration could not be loaded."""


def available_plugins() -> dict:
    """The installed plugins, by name."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_plugins(app: Flask) -> None:
    """Load and initialise every plugin named in ``app.config['PLUGINS']``."""
    installed = available_plugins()
    loaded = app.extensions.setdefault("lms.plugins", {})
    for name in app.config["PLUGINS"]:
        if name in loaded:
            continue
        ep = installed.get(name)
        if ep is None:
            known = ", ".join(sorted(installed)) or "none"
            raise PluginError(f"Unknown plugin {name!r} in LMS_PLUGINS (installed plugins: {known}).")
        try:
            init_app = ep.load()
            init_app(app)
        except Exception as exc:
            raise PluginError(f"Plugin {name!r} ({ep.value}) failed to initialise: {exc!r}") from exc
        loaded[name] = ep.value


def add_translations(app: Flask, package_file: str) -> None:
    """Add a plugin's ``translations/`` folder (beside ``package_file``) to the catalogues."""
    folder = str(Path(package_file).resolve().parent / "translations")
    dirs = app.extensions["babel"].translation_directories
    if folder not in dirs:
        dirs.append(folder)
