"""Layering, read from the source: every import in every ``.py`` file of every package, function-level too.

Imports go down only.  The packages load as plugins in the order lms, media, projects, lti, and none imports a
later one (events go up through signals instead).  Inside ``projects`` the domains stack the same way:
careers → portfolios → completions → grading → coursework, and ``projects.common`` is under them all.  The
pure cores (rubric arithmetic, media checks) import neither Flask, SQLAlchemy nor ``lms``, not even through
the modules they import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: In plugin order: a package may import the ones before it, never one after it.
PACKAGES = ("lms", "media", "projects", "lti")
#: The domains of ``projects``, lowest first: a domain may import those before it, never one after it.
DOMAINS = (
    "coursework",
    "grading",
    "attendance",
    "ncs",
    "completions",
    "portfolios",
    "careers",
    "peer",
    "credentials",
    "korean",
    "evidence",
)
#: Modules that must stay free of the web framework, the database and the core.
PURE = (
    "projects/grading/rules.py",
    "projects/grading/arithmetic.py",
    "projects/grading/lateness.py",
    "projects/attendance/rules.py",
    "projects/attendance/holidays.py",
    "projects/coursework/reminders.py",
    "projects/peer/allocation.py",
    "projects/peer/arithmetic.py",
    "projects/ncs/codes.py",
    "projects/ncs/importing.py",
    "projects/credentials/proofs.py",
    "projects/credentials/baking.py",
    "projects/korean/rules.py",
    "media/validation.py",
    "media/captions.py",
    "media/probe.py",
    "media/thumbnails.py",
)
#: Top-level names a pure module may not reach (and ``flask_*``: ``flask_babel``, ``flask_login``...).
IMPURE = ("flask", "sqlalchemy", "lms")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module (or, for a name that is no module, its module), dotted and absolute
    where: str  # path:line
    module_level: bool  # runs when the module is imported (not inside a function)

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the packages (migrations and tests are not packages of the app)."""
    return {module_of(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _resolve(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _walk(node: ast.AST, in_function: bool = False):
    """``(import node, inside a function)`` for every import under *node*."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        yield from _walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))


@cache
def imports_of(source: str) -> tuple[Import, ...]:
    path = modules()[source]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node, in_function in _walk(tree):
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _resolve(node, source, path.name == "__init__.py")
            # ``from package import module`` imports the module; ``from module import name`` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                for alias in node.names
            ]
        found += [Import(source, target, where, not in_function) for target in dict.fromkeys(targets)]
    return tuple(found)


def all_imports() -> list[Import]:
    return [found for source in modules() for found in imports_of(source)]


def top(name: str) -> str:
    return name.split(".")[0]


def pure_modules() -> set[str]:
    return {path.removesuffix(".py").replace("/", ".") for path in PURE}


def domain_of(name: str) -> str | None:
    """The projects domain *name* belongs to; None outside the domains and for the pure cores, which are
    libraries any domain may use (they import no domain, no framework and no database: checked below)."""
    if name in pure_modules():
        return None
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "projects" and parts[1] in DOMAINS else None


def test_every_package_is_read():
    """The analysis sees every package and the imports it is known to have (so an empty pass is no pass)."""
    assert {top(name) for name in modules()} == set(PACKAGES)
    targets = {(found.source, found.target) for found in all_imports()}
    assert ("projects.grading.rules", "projects.grading.arithmetic") in targets
    assert any(
        source.startswith("projects.grading") and target.startswith("projects.coursework")
        for source, target in targets
    )
    function_level = [found for found in all_imports() if not found.module_level]
    assert any(found.source == "projects" for found in function_level)  # init_app's imports


def test_packages_import_only_earlier_plugins():
    """lms imports no plugin; media imports neither projects nor lti; projects does not import lti."""
    offenders = [
        str(found)
        for found in all_imports()
        if top(found.target) in PACKAGES
        and PACKAGES.index(top(found.target)) > PACKAGES.index(top(found.source))
    ]
    assert offenders == [], "imports go down only (lms ← media ← projects ← lti):\n" + "\n".join(offenders)


def test_project_domains_import_only_downwards():
    """careers → portfolios → completions → grading → coursework; ``projects.common`` imports no domain."""
    offenders = []
    for found in all_imports():
        target = domain_of(found.target)
        if target is None or top(found.source) != "projects":
            continue
        source = domain_of(found.source)
        if source is None:
            if found.source == "projects.common":
                offenders.append(f"{found} (common is under every domain)")
        elif DOMAINS.index(target) > DOMAINS.index(source):
            offenders.append(f"{found} ({source} is under {target})")
    assert offenders == [], "a domain imported one above it:\n" + "\n".join(offenders)


def test_no_import_cycles_between_project_domains():
    edges: dict[str, set[str]] = {domain: set() for domain in DOMAINS}
    for found in all_imports():
        source, target = domain_of(found.source), domain_of(found.target)
        if source and target and source != target:
            edges[source].add(target)
    cycles = []

    def visit(domain: str, path: tuple[str, ...]) -> None:
        for nxt in sorted(edges[domain]):
            if nxt == path[0]:
                cycles.append(" → ".join((*path, nxt)))
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its first name
                visit(nxt, (*path, nxt))

    for domain in DOMAINS:
        visit(domain, (domain,))
    assert cycles == [], "import cycles between domains:\n" + "\n".join(cycles)


def _parents(name: str) -> list[str]:
    """The packages whose ``__init__`` runs before *name* is imported."""
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def is_impure(name: str) -> bool:
    first = top(name)
    return first in IMPURE or first.startswith("flask_")


def impure_reach(start: str) -> list[str]:
    """Chains from *start* to Flask, SQLAlchemy or lms: through every import of the modules it imports, and
    the module-level imports of the packages whose ``__init__`` runs first."""
    chains = []
    done: dict[str, bool] = {}  # module -> read with its function-level imports too
    todo = [(parent, (parent,), True) for parent in _parents(start)] + [(start, (start,), False)]
    while todo:
        name, chain, module_level_only = todo.pop()
        if done.get(name, None) is not None and (done[name] or module_level_only):
            continue
        done[name] = not module_level_only
        for found in imports_of(name):
            if module_level_only and not found.module_level:
                continue
            here = (*chain, f"{found.target} ({found.where})")
            if is_impure(found.target):
                chains.append(" → ".join(here))
                continue
            todo += [(parent, here, True) for parent in _parents(found.target) if parent in modules()]
            if found.target in modules():
                todo.append((found.target, here, False))
    return chains


def test_pure_cores_import_no_framework_database_or_core():
    missing = [path for path in PURE if not (ROOT / path).is_file()]
    assert missing == [], f"PURE names modules that do not exist: {missing}"
    chains = [chain for path in PURE for chain in impure_reach(module_of(ROOT / path))]
    assert chains == [], "pure modules reaching Flask, SQLAlchemy or lms:\n" + "\n".join(chains)
