"""deadline reminders

Reminder hours per project (``48,6`` for every project so far) and the claims of the reminders sent
(``projects.coursework.reminders``): a unique key per person, reminder and due date, so two workers or a rerun
after a crash send each reminder once.

Revision ID: a0a1c2d3e4f5
Revises: 9f0f1c2d3e4f
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a0a1c2d3e4f5"
down_revision = "9f0f1c2d3e4f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects_projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_hours", sa.String(length=40), nullable=False, server_default="48,6")
        )
    op.create_table(
        "projects_sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_sent_reminders_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_sent_reminders_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_sent_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_projects_sent_reminders_key")),
    )
    with op.batch_alter_table("projects_sent_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_sent_reminders_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_sent_reminders_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_sent_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_sent_reminders_user_id"))
        batch_op.drop_index(batch_op.f("ix_projects_sent_reminders_project_id"))
    op.drop_table("projects_sent_reminders")
    with op.batch_alter_table("projects_projects", schema=None) as batch_op:
        batch_op.drop_column("reminder_hours")
