"""indexes for national scale

Revision ID: 8a0f1c2d3e4f
Revises: 7a0f1c2d3e4f
Create Date: 2026-11-26 03:30:00

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "8a0f1c2d3e4f"
down_revision = "7a0f1c2d3e4f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_users_role_created_at_id", ["role", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_last_login_at"), ["last_login_at"], unique=False)

    with op.batch_alter_table("projects_projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_projects_due_at_id", ["due_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_projects_due_at_id")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_last_login_at"))
        batch_op.drop_index("ix_users_role_created_at_id")
        batch_op.drop_index("ix_users_created_at_id")
