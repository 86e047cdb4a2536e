"""wording

Centre-editable wording (``lms/wording``): overrides of shipped messages per language, reviews tied to the
text reviewed, the languages the centre offers, and the revision every process watches to rebuild its
catalogues without a restart.

Revision ID: b0b1c2d3e4f5
Revises: b0a1c2d3e4f5
Create Date: 2026-12-07 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0b1c2d3e4f5"
down_revision = "b0a1c2d3e4f5"
branch_labels = None
depends_on = None


def _who(table, column):
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade():
    op.create_table(
        "wording_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("msgid_plural", sa.Text(), nullable=True),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("written_against", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _who("wording_overrides", "created_by_id"),
        _who("wording_overrides", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wording_overrides")),
        sa.UniqueConstraint("locale", "key", name=op.f("uq_wording_overrides_locale_key")),
    )
    op.create_table(
        "wording_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        _who("wording_reviews", "reviewed_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wording_reviews")),
        sa.UniqueConstraint("locale", "key", name=op.f("uq_wording_reviews_locale_key")),
    )
    op.create_table(
        "wording_languages",
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("offered", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _who("wording_languages", "updated_by_id"),
        sa.PrimaryKeyConstraint("locale", name=op.f("pk_wording_languages")),
    )
    revision_table = op.create_table(
        "wording_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wording_revision")),
    )
    # The one row, made here so two processes never race to insert it.
    op.bulk_insert(revision_table, [{"id": 1, "value": 0}])


def downgrade():
    op.drop_table("wording_revision")
    op.drop_table("wording_languages")
    op.drop_table("wording_reviews")
    op.drop_table("wording_overrides")
