"""evidence packs

Residency evidence packs (``projects/evidence``): what a trainee chose to share with one recipient, its
frozen snapshot and signed credential, the expiring links to it and their view log.

Revision ID: b1c1c2d3e4f5
Revises: b1b1c2d3e4f5
Create Date: 2026-12-07 16:10:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1c1c2d3e4f5"
down_revision = "b1b1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_evidence_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "recipient_kind",
            sa.Enum("immigration", "employer", "region", name="recipientkind", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("recipient_name", sa.String(length=160), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("status_index", sa.Integer(), nullable=True),
        sa.Column("credential", sa.JSON(), nullable=True),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_evidence_packs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_evidence_packs")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_evidence_packs_code")),
        sa.UniqueConstraint("status_index", name=op.f("uq_projects_evidence_packs_status_index")),
    )
    with op.batch_alter_table("projects_evidence_packs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_evidence_packs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "projects_evidence_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["projects_evidence_packs.id"],
            name=op.f("fk_projects_evidence_links_pack_id_projects_evidence_packs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_evidence_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_projects_evidence_links_token_hash")),
    )
    with op.batch_alter_table("projects_evidence_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_evidence_links_pack_id"), ["pack_id"], unique=False)

    op.create_table(
        "projects_evidence_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=8), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["projects_evidence_links.id"],
            name=op.f("fk_projects_evidence_views_link_id_projects_evidence_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["projects_evidence_packs.id"],
            name=op.f("fk_projects_evidence_views_pack_id_projects_evidence_packs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_evidence_views")),
    )
    with op.batch_alter_table("projects_evidence_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_evidence_views_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_evidence_views_pack_id"), ["pack_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_evidence_views_viewed_at"), ["viewed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_evidence_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_evidence_views_viewed_at"))
        batch_op.drop_index(batch_op.f("ix_projects_evidence_views_pack_id"))
        batch_op.drop_index(batch_op.f("ix_projects_evidence_views_link_id"))

    op.drop_table("projects_evidence_views")
    with op.batch_alter_table("projects_evidence_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_evidence_links_pack_id"))

    op.drop_table("projects_evidence_links")
    with op.batch_alter_table("projects_evidence_packs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_evidence_packs_user_id"))

    op.drop_table("projects_evidence_packs")
