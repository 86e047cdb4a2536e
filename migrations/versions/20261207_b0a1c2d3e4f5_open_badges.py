"""open badges

Open Badges 3.0 credentials (``projects/credentials``): each issued ``OpenBadgeCredential`` as signed, its
random bit in the revocation status list, and its revocation.

Revision ID: b0a1c2d3e4f5
Revises: a0e1c2d3e4f5
Create Date: 2026-12-07 12:50:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0a1c2d3e4f5"
down_revision = "a0e1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_open_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("completion_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["projects_completions.id"],
            name=op.f("fk_projects_open_badges_completion_id_projects_completions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_projects_open_badges_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_projects_open_badges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_open_badges")),
        sa.UniqueConstraint("status_index", name=op.f("uq_projects_open_badges_status_index")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_open_badges_code")),
    )
    with op.batch_alter_table("projects_open_badges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_open_badges_completion_id"), ["completion_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_open_badges_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_open_badges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_open_badges_user_id"))
        batch_op.drop_index(batch_op.f("ix_projects_open_badges_completion_id"))

    op.drop_table("projects_open_badges")
