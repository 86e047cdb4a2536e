"""Where the shipped data folders live, in a checkout and in an installed wheel.

``templates/`` and ``migrations/`` sit at the top of the repository; setup.cfg
ships them as the data packages ``gongbang_templates`` and ``gongbang_migrations``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def _locate(package: str, folder: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        return str(Path(list(spec.submodule_search_locations)[0]))
    return str(_REPO / folder)


def templates_dir() -> str:
    """Absolute path of the shared Jinja templates folder."""
    return _locate("gongbang_templates", "templates")


def migrations_dir() -> str:
    """Absolute path of the Alembic migrations folder."""
    return _locate("gongbang_migrations", "migrations")
