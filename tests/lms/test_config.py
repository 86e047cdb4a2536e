"""Configuration order and validation."""

from __future__ import annotations

import os
import stat

import pytest

from lms import ConfigError, create_app

STRONG = "f3c1e5a0b9d24c7e8a6b1d3f5e7c9a0b2d4f6e8a1c3e5b7d"


def test_order_defaults_instance_env_overrides(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        'SITE_NAME = "from instance"\nLOGIN_MAX_FAILURES_IP = 7\nMAIL_PORT = 2525\n'
    )
    monkeypatch.setenv("LMS_LOGIN_MAX_FAILURES_IP", "9")
    monkeypatch.setenv("LMS_PLUGINS", "[]")
    app = create_app({"MAIL_PORT": 1025}, instance_path=str(instance))
    assert app.config["SITE_NAME"] == "from instance"  # instance over defaults
    assert app.config["LOGIN_MAX_FAILURES_IP"] == 9  # environment over instance (parsed as JSON)
    assert app.config["MAIL_PORT"] == 1025  # test overrides over everything
    assert app.config["PLUGINS"] == []
    assert app.config["LOGIN_MAX_FAILURES_ACCOUNT"] == 5  # default


def test_embedded_generates_a_secret_once(tmp_path):
    first = create_app(instance_path=str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    assert create_app(instance_path=str(tmp_path)).config["SECRET_KEY"] == first.config["SECRET_KEY"]


@pytest.mark.parametrize(
    "config, fragment",
    [
        ({"MODE": "production"}, "SECRET_KEY is not set"),
        ({"MODE": "production", "SECRET_KEY": "changeme"}, "too weak"),
        ({"MODE": "production", "SECRET_KEY": "changeme-changeme-changeme-changeme"}, "too weak"),
        ({"MODE": "production", "SECRET_KEY": STRONG, "DEBUG": True}, "DEBUG must be off"),
        ({"MODE": "cluster"}, "LMS_MODE must be one of"),
        ({"PLUGINS": "media"}, "PLUGINS must be a list"),
        ({"LANGUAGES": ["ko", "fr"]}, "LANGUAGES may contain only"),
    ],
)
def test_bad_configurations_refuse_to_start_and_say_why(tmp_path, config, fragment):
    with pytest.raises(ConfigError, match=fragment):
        create_app(config, instance_path=str(tmp_path))


def test_production_with_strong_key_starts(tmp_path):
    config = {"MODE": "production", "SECRET_KEY": STRONG, "PUBLIC_URL": "https://lms.example.kr"}
    app = create_app(config, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"]
    assert not (tmp_path / "secret_key").exists()


def test_database_defaults_to_sqlite_in_instance_and_postgres_urls_use_psycopg(tmp_path):
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'gongbang.sqlite'}"
    pg = create_app({"DATABASE_URL": "postgresql://u@h/db"}, instance_path=str(tmp_path))
    assert pg.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_runs_in_wal_with_foreign_keys(app, db):
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas: this run is on PostgreSQL")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
