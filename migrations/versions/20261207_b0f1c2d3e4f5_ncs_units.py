"""ncs units

The NCS competency framework (``projects/ncs``): the capability units imported from the national CSV (one
row per unit, matched on its 10-digit code prefix) and what each project's outcomes and rubric criteria map
to (kept beside the rubric, keyed by project, rubric version and criterion id).

Revision ID: b0f1c2d3e4f5
Revises: b0e1c2d3e4f5
Create Date: 2026-12-07 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0f1c2d3e4f5"
down_revision = "b0e1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_ncs_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("elements", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_ncs_units")),
        sa.UniqueConstraint("prefix", name=op.f("uq_projects_ncs_units_prefix")),
    )
    op.create_table(
        "projects_ncs_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_ncs_mappings_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_ncs_mappings_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["projects_rubric_versions.id"],
            name=op.f("fk_projects_ncs_mappings_rubric_version_id_projects_rubric_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["projects_ncs_units.id"],
            name=op.f("fk_projects_ncs_mappings_unit_id_projects_ncs_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_ncs_mappings")),
        sa.UniqueConstraint(
            "project_id",
            "rubric_version_id",
            "kind",
            "ref",
            "unit_id",
            name="uq_projects_ncs_mappings_target_unit",
        ),
    )
    with op.batch_alter_table("projects_ncs_mappings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_ncs_mappings_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_projects_ncs_mappings_rubric_version_id"), ["rubric_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_projects_ncs_mappings_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_ncs_mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_ncs_mappings_unit_id"))
        batch_op.drop_index(batch_op.f("ix_projects_ncs_mappings_rubric_version_id"))
        batch_op.drop_index(batch_op.f("ix_projects_ncs_mappings_project_id"))

    op.drop_table("projects_ncs_mappings")
    op.drop_table("projects_ncs_units")
