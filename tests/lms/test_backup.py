"""``lms backup`` / ``lms restore``: a consistent snapshot taken while writes go on, restored into a
fresh instance.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import tarfile
import threading
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import create_engine, inspect, make_url, select, text

from lms import create_app
from lms.backup import BackupError, create_backup, restore_backup
from lms.check import outstanding, run_checks
from lms.extensions import db as _db
from lms.jobs import commit
from media import services
from media.models import MediaFile
from tests.fixtures.app import app_config as _config


def png(n: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40 + n % 20, 30), ((n * 37) % 256, (n * 91) % 256, 120)).save(out, "PNG")
    return out.getvalue()


def upload(owner, n):
    services.register_upload(owner, io.BytesIO(png(n)), filename=f"{n}.png", spec={"kinds": ["image"]})
    commit()  # the checks run eagerly here, as the worker would run them


@pytest.fixture
def fresh(tmp_path, postgres_url):
    """Build a second, empty instance (its own database and media folder)."""
    made = []

    def build():
        if postgres_url:
            url = make_url(postgres_url)
            name = f"{url.database}_restore"
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            target = url.set(database=name).render_as_string(hide_password=False)
        else:
            target = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        app = create_app(_config(target), instance_path=str(tmp_path / "fresh-instance"))
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            _db.engine.dispose()


def table_rows(conn) -> dict[str, list]:
    names = set(inspect(conn).get_table_names())
    return {
        t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
        for t in _db.metadata.sorted_tables
        if t.name in names
    }


def test_backup_while_writing_then_restore_into_a_fresh_instance(app, db, make_user, fresh, tmp_path):
    owners = [make_user("trainee") for _ in range(3)]
    for n in range(12):
        upload(owners[n % 3], n)
    stop, written, errors = threading.Event(), [], []

    def writer():
        # Another "process": its own app context and session, writing rows and files during the backup.
        with app.app_context():
            n = 100
            try:
                while not stop.is_set() or n < 106:
                    upload(_db.session.get(type(owners[0]), owners[n % 3].id), n)
                    written.append(n)
                    n += 1
            except Exception as exc:  # noqa: BLE001 — reported by the assertion below
                errors.append(exc)
            finally:
                _db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    while len(written) < 2:
        thread.join(0.05)
    archive = tmp_path / "backup.tar"
    manifest = create_backup(archive)
    stop.set()
    thread.join(60)
    assert not errors and len(written) >= 6
    total = db.session.scalar(select(_db.func.count()).select_from(MediaFile))
    assert 12 <= manifest["counts"]["media_files"] < total  # a snapshot in the middle of the writes
    assert manifest["missing"] == [] and manifest["files"]
    with tarfile.open(archive) as tar:
        assert tar.getnames()[-1] == "manifest.json"
        for name, entry in manifest["files"].items():
            data = tar.extractfile(name).read()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
            if "/originals/" in name:
                assert name.endswith(entry["sha256"])  # content-addressed: the key is the hash

    target = fresh()
    with target.app_context():
        result = restore_backup(archive)
        assert result["counts"] == manifest["counts"]
        with _db.engine.connect() as conn:
            restored = table_rows(conn)
        if _db.engine.dialect.name == "sqlite":
            with tarfile.open(archive) as tar:
                (tmp_path / "snap.sqlite").write_bytes(tar.extractfile("database/gongbang.sqlite").read())
            snap = create_engine(f"sqlite:///{tmp_path / 'snap.sqlite'}")
            with snap.connect() as conn:
                assert table_rows(conn) == restored
            snap.dispose()
        storage = services.get_storage()
        keys = [m.storage_key for m in _db.session.scalars(select(MediaFile))]
        assert len(keys) == manifest["counts"]["media_files"]
        for key in keys:
            assert hashlib.sha256(storage.path(key).read_bytes()).hexdigest() == key.rsplit("/", 1)[1]
        # Uploads whose checks had not run at the moment of the snapshot come back as jobs to queue again.
        repairs = run_checks(repair=True, grace=timedelta(0))
        assert not outstanding(repairs) and {f.code for f in repairs} <= {"stuck_job"}
        assert run_checks(grace=timedelta(0)) == []

        with pytest.raises(BackupError, match="not empty"):
            restore_backup(archive)
        runner = target.test_cli_runner()
        refused = runner.invoke(args=["restore", str(archive)])
        assert refused.exit_code == 1 and "not empty" in refused.output
        forced = runner.invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        assert "Restored" in forced.output


def test_damaged_archive_is_refused_before_anything_changes(app, db, make_user, fresh, tmp_path):
    upload(make_user("trainee"), 1)
    archive = tmp_path / "backup.tar"
    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0 and "Backed up" in result.output, result.output
    raw = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if "/originals/" in m.name)
    raw[member.offset_data + 5] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(raw))
    target = fresh()
    with target.app_context():
        with pytest.raises(BackupError, match="damaged"):
            restore_backup(damaged)
        assert not inspect(_db.engine).get_table_names()
        assert not [p for p in services.get_storage().root.rglob("*") if p.is_file()]


def test_sqlite_snapshot_is_a_valid_database(app, db, make_user, tmp_path):
    upload(make_user("trainee"), 2)
    manifest = create_backup(tmp_path / "b.tar")
    if manifest["dialect"] != "sqlite":
        pytest.skip("SQLite only")
    with tarfile.open(tmp_path / "b.tar") as tar:
        (tmp_path / "s.sqlite").write_bytes(tar.extractfile("database/gongbang.sqlite").read())
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
