"""employers, interests and placement

Revision ID: 6b0f1c2d3e4f
Revises: 6a0f1c2d3e4f
Create Date: 2026-11-26 03:30:00

"""

# revision identifiers, used by Alembic.
revision = "6b0f1c2d3e4f"
down_revision = "6a0f1c2d3e4f"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
