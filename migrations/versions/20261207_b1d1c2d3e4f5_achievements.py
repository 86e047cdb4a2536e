"""achievements

Achievements the centre defines (``projects/credentials``): a project passed, a competency shown, a Korean
stage reached; and each trainee's award, issued once as an Open Badges 3.0 credential.

Revision ID: b1d1c2d3e4f5
Revises: b1c1c2d3e4f5
Create Date: 2026-12-07 16:20:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1d1c2d3e4f5"
down_revision = "b1c1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_achievements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "project_passed",
                "competency_shown",
                "korean_stage",
                name="achievementkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description_ko", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("criteria_ko", sa.Text(), nullable=False),
        sa.Column("criteria_en", sa.Text(), nullable=False),
        sa.Column("achievement_type", sa.String(length=40), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("pass_percent", sa.Integer(), nullable=True),
        sa.Column("ncs_unit_id", sa.Integer(), nullable=True),
        sa.Column("criterion_title", sa.String(length=200), nullable=False),
        sa.Column("korean_scale", sa.String(length=8), nullable=True),
        sa.Column("korean_level", sa.Integer(), nullable=True),
        sa.Column("alignment", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_achievements_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ncs_unit_id"],
            ["projects_ncs_units.id"],
            name=op.f("fk_projects_achievements_ncs_unit_id_projects_ncs_units"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_achievements_project_id_projects_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_achievements")),
    )
    op.create_index(
        op.f("ix_projects_achievements_project_id"), "projects_achievements", ["project_id"], unique=False
    )
    op.create_table(
        "projects_achievement_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("badge_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["badge_id"],
            ["projects_open_badges.id"],
            name=op.f("fk_projects_achievement_awards_badge_id_projects_open_badges"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["projects_achievements.id"],
            name=op.f("fk_projects_achievement_awards_definition_id_projects_achievements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_achievement_awards_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_achievement_awards")),
        sa.UniqueConstraint(
            "definition_id", "user_id", name=op.f("uq_projects_achievement_awards_definition_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_projects_achievement_awards_definition_id"),
        "projects_achievement_awards",
        ["definition_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_projects_achievement_awards_user_id"),
        "projects_achievement_awards",
        ["user_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_projects_achievement_awards_user_id"), table_name="projects_achievement_awards")
    op.drop_index(
        op.f("ix_projects_achievement_awards_definition_id"), table_name="projects_achievement_awards"
    )
    op.drop_table("projects_achievement_awards")
    op.drop_index(op.f("ix_projects_achievements_project_id"), table_name="projects_achievements")
    op.drop_table("projects_achievements")
