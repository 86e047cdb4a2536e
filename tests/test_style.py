"""Size limits that keep the code readable: short modules in ``projects``, short views everywhere.

- No module under ``projects/`` is over :data:`MAX_MODULE_LINES` lines: a bigger one is split by topic inside
  its domain package.
- No view is over :data:`MAX_VIEW_LINES` lines, counted from its ``def`` line to its last line (decorators
  not counted).  A view is a function decorated with a blueprint's ``.route(...)``, or any method of a class
  that is a ``MethodView`` or is decorated with ``.route(...)`` (the API resources), in any module of the
  app's packages, whatever its file name.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lms", "media", "projects", "lti")
MAX_MODULE_LINES = 450
MAX_VIEW_LINES = 35


def sources(*packages: str) -> list[Path]:
    """The ``.py`` files of *packages*, migrations left out."""
    return [
        path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def _is_route(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Attribute) and call.attr == "route"


def _is_method_view(node: ast.ClassDef) -> bool:
    names = {
        base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
        for base in node.bases
    }
    return "MethodView" in names or any(_is_route(d) for d in node.decorator_list)


def views_in(path: Path) -> list[tuple[str, int]]:
    """``(name, lines)`` of every view in the module at *path*."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if is_function and any(map(_is_route, node.decorator_list)):
            found.append((node.name, node.end_lineno - node.lineno + 1))
        elif isinstance(node, ast.ClassDef) and _is_method_view(node):
            found += [
                (f"{node.name}.{item.name}", item.end_lineno - item.lineno + 1)
                for item in node.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
    return found


def test_views_are_found():
    """The scan sees the views it must measure (so that a pass means something)."""
    views = {f"{path.relative_to(ROOT)}:{name}" for path in sources(*PACKAGES) for name, _n in views_in(path)}
    assert "projects/grading/views.py:grade" in views
    assert any(view.startswith("projects/coursework/api.py:") and "." in view for view in views)
    assert {view.split("/")[0] for view in views} == set(PACKAGES)


def test_no_projects_module_is_over_the_limit():
    too_long = []
    for path in sources("projects"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == [], f"modules over {MAX_MODULE_LINES} lines (split them by topic):\n" + "\n".join(
        too_long
    )


def test_no_view_is_over_the_limit():
    too_long = [
        f"{path.relative_to(ROOT)}: {name} has {lines} lines"
        for path in sources(*PACKAGES)
        for name, lines in views_in(path)
        if lines > MAX_VIEW_LINES
    ]
    assert too_long == [], f"views over {MAX_VIEW_LINES} lines, def to last line:\n" + "\n".join(too_long)
