"""One Alembic history that produces exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.db import include_in_comparison


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
        opts = {"compare_type": True, "include_object": include_in_comparison}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
    assert diff == []
    assert "users" in inspect(db.engine).get_table_names()


def test_migrations_downgrade_cleanly(empty_app, db):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()


def test_the_user_search_can_use_its_trigram_indexes_on_postgresql(empty_app, db):
    """A fragment anywhere in a name or e-mail: GIN trigram indexes serve that LIKE, a B-tree cannot."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm indexes exist on PostgreSQL only (SQLite's embedded default has few users)")
    from lms.users.services import search_users

    upgrade()
    statement = search_users("nguy").compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table would be scanned anyway
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {statement}")))
    assert "ix_users_name_trgm" in plan and "ix_users_email_trgm" in plan, plan


def test_a_percent_or_underscore_in_a_search_is_a_character_not_a_wildcard(app, db, make_user):
    from lms.users.services import search_users

    make_user("trainee", name="Anh_Tran")
    make_user("trainee", name="AnhXTran")
    found = db.session.scalars(search_users("anh_t")).all()
    assert [u.name for u in found] == ["Anh_Tran"]
    assert db.session.scalars(search_users("100%")).all() == []
