"""perceptual hash parts, indexed for near-duplicates across projects

Near-duplicates were only looked for among one project's files, by comparing every hash. Across projects,
cohorts and years (a million hashes) that needs an index: multi-index hashing stores each 64-bit hash also
as three parts of 22, 21 and 21 bits, ``phash_p0`` (most significant) to ``phash_p2``, each in an indexed
integer column. A hash within 10 bits of another has at least one part within 3 bits of the other's, so a
lookup reads the few rows whose part holds one of the values near the target's (see ``media.similarity``).
Each part's index
also holds the hash, the owner and the id, so the lookup reads the indexes alone, never the table's rows (at
a million uploads, reading the rows took 3 to 8 times longer).

The upgrade fills the parts of every existing hash, in batches by id, on SQLite and PostgreSQL alike (the
hex is split in Python: neither database parses hex the same way). Plain ADD/DROP COLUMN and CREATE/DROP
INDEX, never ``batch_alter_table`` (see the SQLite migration trap in ARCHITECTURE.md).

Revision ID: 9d0f1c2d3e4f
Revises: 9c0f1c2d3e4f
Create Date: 2026-12-07 02:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d0f1c2d3e4f"
down_revision = "9c0f1c2d3e4f"
branch_labels = None
depends_on = None

COLUMNS = ("phash_p0", "phash_p1", "phash_p2")
WIDTHS = (22, 21, 21)
BATCH = 5000


def _parts(phash: str) -> tuple[int, ...]:
    """Copied from ``media.similarity.parts``: a migration must keep working when the application changes."""
    value, found, shift = int(phash, 16), [], 64
    for bits in WIDTHS:
        shift -= bits
        found.append((value >> shift) & ((1 << bits) - 1))
    return tuple(found)


def _fill() -> None:
    conn = op.get_bind()
    media = sa.table("media_files", sa.column("id"), sa.column("phash"), *(sa.column(c) for c in COLUMNS))
    update = (
        media.update()
        .where(media.c.id == sa.bindparam("row_id"))
        .values({c: sa.bindparam(f"v_{c}") for c in COLUMNS})
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(media.c.id, media.c.phash)
            .where(media.c.id > last, media.c.phash.is_not(None), media.c.phash != "")
            .order_by(media.c.id)
            .limit(BATCH)
        ).fetchall()
        if not rows:
            return
        conn.execute(
            update,
            [{"row_id": row_id, **dict(zip((f"v_{c}" for c in COLUMNS), _parts(h)))} for row_id, h in rows],
        )
        last = rows[-1][0]


def upgrade():
    for column in COLUMNS:
        op.add_column("media_files", sa.Column(column, sa.Integer(), nullable=True))
    _fill()
    for column in COLUMNS:
        op.create_index(op.f(f"ix_media_files_{column}"), "media_files", [column, "phash", "owner_id", "id"])


def downgrade():
    for column in COLUMNS:
        op.drop_index(op.f(f"ix_media_files_{column}"), table_name="media_files")
        op.drop_column("media_files", column)
