"""``lms backup`` and ``lms restore``: one archive holding a consistent snapshot of the database and the
files.

A backup is an uncompressed tar (media is compressed already) with

- ``database/gongbang.sqlite`` (SQLite's online backup API: one step under one
  read transaction, so a consistent copy while the application keeps writing
  in WAL mode) or ``database/gongbang.pgdump`` (``pg_dump -Fc`` on a snapshot
  exported by a REPEATABLE READ transaction);
- ``files/<store>/<key>``: every file the plugins' stores
  (:data:`lms.signals.file_stores`) refer to *in that snapshot*, asked through a
  connection on the snapshot itself, so rows and files match;
- ``manifest.json`` (last): format, time, dialect, Alembic revision, row counts
  per table, and the size and SHA-256 of every member.

The archive is written under a temporary name and renamed when complete.
A restore verifies every SHA-256 before anything is replaced, and refuses an
instance that already holds data unless forced.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, func, inspect, make_url, select, text

from lms import signals
from lms.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database/gongbang.sqlite", "postgresql": "database/gongbang.pgdump"}


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why (nothing was replaced)."""


class _Hashing:
    """A file object that hashes what ``tarfile`` reads through it."""

    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, n=-1):
        data = self.fh.read(n)
        self.digest.update(data)
        return data


def _stores() -> list[signals.FileStore]:
    return signals.values_from_signal(signals.file_stores.send(current_app._get_current_object()))


def _dialect() -> str:
    name = db.engine.dialect.name
    if name not in DB_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _libpq(url) -> tuple[str, dict]:
    """A libpq URL for the PostgreSQL tools, and an environment carrying the password (not on the command
    line)."""
    url = make_url(str(url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


@contextmanager
def _snapshot(workdir: Path):
    """Yield ``(database file, connection on the same snapshot)``."""
    if _dialect() == "sqlite":
        path = workdir / "gongbang.sqlite"
        source = sqlite3.connect(db.engine.url.database, timeout=30)
        target = sqlite3.connect(path)
        try:
            source.backup(target)  # pages=-1: one step, one read transaction, a consistent copy
        finally:
            target.close()
            source.close()
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                yield path, conn
        finally:
            engine.dispose()
        return
    path = workdir / "gongbang.pgdump"
    url, env = _libpq(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            done = subprocess.run(
                [
                    "pg_dump",
                    "-Fc",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    "-f",
                    str(path),
                    url,
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()[-2000:]}")
            yield path, conn


def _facts(conn) -> tuple[str | None, dict[str, int]]:
    names = set(inspect(conn).get_table_names())
    revision = None
    if "alembic_version" in names:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    counts = {
        t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in db.metadata.sorted_tables
        if t.name in names
    }
    return revision, counts


def create_backup(dest: str | os.PathLike[str]) -> dict:
    """Write a backup archive to *dest* while the application runs; returns its manifest."""
    dest = Path(dest).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dialect = _dialect()
    started = time.time()
    partial = dest.with_name(dest.name + ".partial")
    manifest: dict = {
        "format": FORMAT,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "dialect": dialect,
        "files": {},
        "missing": [],
    }
    with tempfile.TemporaryDirectory(prefix="lms-backup-") as work, tarfile.open(partial, "w") as tar:
        with _snapshot(Path(work)) as (db_file, conn):
            manifest["alembic_revision"], manifest["counts"] = _facts(conn)
            stores = [(store, list(store.referenced(conn))) for store in _stores()]
        manifest["database"] = _add(tar, DB_MEMBER[dialect], db_file)
        for store, keys in stores:
            for key in keys:
                name = f"files/{store.name}/{key}"
                try:
                    manifest["files"][name] = _add(tar, name, Path(store.root) / key)
                except FileNotFoundError:
                    # Its row points at nothing already (``lms check`` reports it as missing_file).
                    manifest["missing"].append(name)
        manifest["seconds"] = round(time.time() - started, 3)
        data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(started)
        tar.addfile(info, io.BytesIO(data))
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    return manifest


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    # Opened first: a file replaced meanwhile (a rendition made again) is read whole from the inode we hold.
    with open(path, "rb") as fh:
        info = tar.gettarinfo(arcname=name, fileobj=fh)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name:
        raise BackupError(f"unsafe name in the archive: {name!r}")
    return path


def instance_is_empty() -> tuple[bool, str]:
    """Whether the configured database and stores hold nothing (what a restore may overwrite without
    --force)."""
    names = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for t in db.metadata.sorted_tables:
            if t.name in names and conn.execute(select(func.count()).select_from(t)).scalar_one():
                return False, f"the table {t.name} has rows"
    for store in _stores():
        root = Path(store.root)
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            return False, f"the {store.name} files under {root} are not empty"
    return True, ""


def restore_backup(archive: str | os.PathLike[str], *, force: bool = False) -> dict:
    """Restore *archive* into the configured instance; returns the manifest and the restored counts.

    :raises BackupError: a damaged archive, another database kind, or an instance with data and no *force*.
    """
    dialect = _dialect()
    with tarfile.open(archive, "r") as tar:
        try:
            manifest = json.load(tar.extractfile(MANIFEST))
        except KeyError:
            raise BackupError("no manifest.json: not a complete Gongbang backup") from None
        if manifest.get("format") != FORMAT or manifest.get("dialect") != dialect:
            raise BackupError(
                f"this archive holds a {manifest.get('dialect')} database (format "
                f"{manifest.get('format')}); this instance uses {dialect}"
            )
        empty, why = instance_is_empty()
        if not empty and not force:
            raise BackupError(f"this instance is not empty ({why}); restore into a fresh one, or use --force")
        roots = {store.name: Path(store.root).resolve() for store in _stores()}
        with tempfile.TemporaryDirectory(prefix="lms-restore-") as work:
            db_file = Path(work) / "database"
            _extract(tar, DB_MEMBER[dialect], manifest["database"], db_file)
            staged: list[tuple[Path, Path]] = []
            try:
                _stage_files(tar, manifest, roots, staged)
            except BaseException:
                for tmp, _target in staged:
                    tmp.unlink(missing_ok=True)
                raise
            # Every byte is verified: only now is anything replaced.
            for tmp, target in staged:
                os.replace(tmp, target)
            _restore_database(dialect, db_file)
    with db.engine.connect() as conn:
        revision, counts = _facts(conn)
    return {"manifest": manifest, "alembic_revision": revision, "counts": counts}


def _stage_files(
    tar: tarfile.TarFile, manifest: dict, roots: dict[str, Path], staged: list[tuple[Path, Path]]
) -> None:
    """Extract and verify every file next to its place (``<key>.restoring``), recording each in *staged*."""
    for name, expected in manifest["files"].items():
        store, _sep, key = str(_safe_member(name).relative_to("files")).partition("/")
        if store not in roots:
            raise BackupError(f"the archive holds {store} files but that plugin is not loaded")
        target = (roots[store] / key).resolve()
        if roots[store] not in target.parents:
            raise BackupError(f"unsafe name in the archive: {name!r}")
        tmp = target.with_name(target.name + ".restoring")
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.append((tmp, target))
        _extract(tar, name, expected, tmp)


def _extract(tar: tarfile.TarFile, name: str, expected: dict, out: Path) -> None:
    try:
        src = tar.extractfile(name)
    except KeyError:
        raise BackupError(f"{name} is listed in the manifest but not in the archive") from None
    digest = hashlib.sha256()
    with src, open(out, "wb") as fh:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    if digest.hexdigest() != expected["sha256"]:
        out.unlink(missing_ok=True)
        raise BackupError(f"{name} is damaged (its SHA-256 differs from the manifest)")


def _restore_database(dialect: str, db_file: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(db_file)
        target = sqlite3.connect(db.engine.url.database, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target, in one transaction
        finally:
            target.close()
            source.close()
        return
    url, env = _libpq(db.engine.url)
    done = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            url,
            str(db_file),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(archive):
    """Write a consistent backup (database and files) to ARCHIVE (a .tar) while Gongbang runs."""
    try:
        manifest = create_backup(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest["counts"].values())
    size = sum(f["size"] for f in manifest["files"].values())
    click.echo(
        f"Backed up {rows} rows in {len(manifest['counts'])} tables (revision "
        f"{manifest['alembic_revision']}) and {len(manifest['files'])} files ({size} bytes) to {archive} "
        f"in {manifest['seconds']} s."
    )
    if manifest["missing"]:
        click.echo(
            f"{len(manifest['missing'])} file(s) the database refers to were already missing; "
            "`lms check` lists them.",
            err=True,
        )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace an instance that already holds data")
@with_appcontext
def restore_command(archive, force):
    """Restore a backup made by `lms backup` into this (fresh) instance."""
    try:
        result = restore_backup(archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result["manifest"]
    differ = {
        t: (n, result["counts"].get(t)) for t, n in manifest["counts"].items() if result["counts"].get(t) != n
    }
    click.echo(
        f"Restored {sum(result['counts'].values())} rows and {len(manifest['files'])} files "
        f"from {manifest['created_at']} (revision {result['alembic_revision']})."
    )
    if differ:
        raise click.ClickException(f"row counts differ from the manifest: {differ}")
    click.echo("Run `lms db upgrade` if this code is newer than the backup, then `lms check`.")
