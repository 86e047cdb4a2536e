"""user search trigram indexes (PostgreSQL)

The admins' user search matches a fragment anywhere in a name or e-mail (``lower(name) LIKE '%…%'``), which no
B-tree index serves: at national size (50,000 users) every search read the whole table. ``pg_trgm``'s GIN
indexes serve such a ``LIKE`` for fragments of three characters or more.

PostgreSQL only: SQLite has no trigram index, and the embedded default's few hundred users need none. The
extension is "trusted" (PostgreSQL 13+), so a database owner may create it; where even that is refused the
search keeps working without the indexes, and the migration says so rather than failing the upgrade.

The indexes are not in the models (an expression index with an operator class is PostgreSQL's own);
``migrations/env.py`` and the migration test leave them out of the comparison by name.

Revision ID: 9c0f1c2d3e4f
Revises: 9b0f1c2d3e4f
Create Date: 2026-12-06 23:55:00

"""

import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c0f1c2d3e4f"
down_revision = "9b0f1c2d3e4f"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

INDEXES = {
    "ix_users_name_trgm": "lower(name) gin_trgm_ops",
    "ix_users_email_trgm": "email gin_trgm_ops",
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():  # a refused CREATE EXTENSION must not abort the whole upgrade
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s): the user search runs without its indexes", exc.orig)
        return
    for name, expression in INDEXES.items():
        bind.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON users USING gin ({expression})"))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
