"""One Alembic history that produces exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text


@pytest.fixture
def empty_app(app_factory, db, app):
    """The test app with its tables dropped, so migrations start from nothing."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    db.session.remove()
    downgrade(revision="base")
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()  # leave what the other tests expect


def test_migrations_match_the_models(empty_app, db):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []
    assert "users" in inspect(db.engine).get_table_names()


def test_migrations_downgrade_cleanly(empty_app, db):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
