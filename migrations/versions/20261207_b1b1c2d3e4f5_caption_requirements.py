"""caption requirements

The caption tracks a video deliverable requires or welcomes (``projects_deliverables.captions``:
``{"required": ["ko"], "optional": ["en"]}``); existing deliverables ask for none.

Revision ID: b1b1c2d3e4f5
Revises: b1a1c2d3e4f5
Create Date: 2026-12-07 13:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1b1c2d3e4f5"
down_revision = "b1a1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects_deliverables") as batch_op:
        batch_op.add_column(sa.Column("captions", sa.JSON(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("projects_deliverables") as batch_op:
        batch_op.drop_column("captions")
