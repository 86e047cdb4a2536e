"""training log

Training logs (``projects/attendance``, issue 16 item 3): one log per session, signed by the instructor,
and the corrections of signed logs (who, when, why, before and after, the version they made).

Revision ID: b0d1c2d3e4f5
Revises: b0c1c2d3e4f5
Create Date: 2026-12-07 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0d1c2d3e4f5"
down_revision = "b0c1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_training_logs",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projects_sessions.id"],
            name=op.f("fk_projects_training_logs_session_id_projects_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["users.id"],
            name=op.f("fk_projects_training_logs_signed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["users.id"],
            name=op.f("fk_projects_training_logs_written_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_projects_training_logs")),
    )
    op.create_table(
        "projects_training_log_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["users.id"],
            name=op.f("fk_projects_training_log_changes_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projects_training_logs.session_id"],
            name=op.f("fk_projects_training_log_changes_session_id_projects_training_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_training_log_changes")),
    )
    op.create_index(
        op.f("ix_projects_training_log_changes_session_id"),
        "projects_training_log_changes",
        ["session_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_projects_training_log_changes_session_id"), table_name="projects_training_log_changes"
    )
    op.drop_table("projects_training_log_changes")
    op.drop_table("projects_training_logs")
