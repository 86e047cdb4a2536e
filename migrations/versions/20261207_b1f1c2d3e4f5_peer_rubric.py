"""peer rubric

Peer review can use a rubric of its own (issue 21: "the project's, or a simpler peer rubric"):
``projects_peer_settings.rubric_version_id`` names a rubric version from the library; empty, reviewers mark
with the project's rubric, as before. Existing rows stay empty, so no round changes.

Nothing points at ``projects_peer_settings`` (its key is the project's), so batch mode may rebuild it on
SQLite to add the foreign key.

Revision ID: b1f1c2d3e4f5
Revises: b1e1c2d3e4f5
Create Date: 2026-12-07 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1f1c2d3e4f5"
down_revision = "b1e1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects_peer_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rubric_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_peer_settings_rubric_version_id_projects_rubric_versions"),
            "projects_rubric_versions",
            ["rubric_version_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade():
    with op.batch_alter_table("projects_peer_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_projects_peer_settings_rubric_version_id_projects_rubric_versions"),
            type_="foreignkey",
        )
        batch_op.drop_column("rubric_version_id")
