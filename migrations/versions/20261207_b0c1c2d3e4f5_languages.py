"""the trainees' own languages

A notification keeps the message in its reader's own language when that is neither Korean nor English
(``notifications.locale``, ``text_local``), a project's brief may have versions in the trainees' languages
(``projects_brief_translations``), and a grader may also write the feedback and comments in a second language
(``projects_assessments.second_locale``, ``feedback_second``; ``projects_timed_comments.text_second``).

Revision ID: b0c1c2d3e4f5
Revises: b0b1c2d3e4f5
Create Date: 2026-12-07 13:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0c1c2d3e4f5"
down_revision = "b0b1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects_assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_locale", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("feedback_second", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("projects_timed_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_second", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("text_local", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "projects_brief_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_brief_translations_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_projects_brief_translations_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_brief_translations")),
        sa.UniqueConstraint(
            "project_id", "locale", name=op.f("uq_projects_brief_translations_project_id_locale")
        ),
    )
    with op.batch_alter_table("projects_brief_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_brief_translations_project_id"), ["project_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("projects_timed_comments", schema=None) as batch_op:
        batch_op.drop_column("text_second")
    with op.batch_alter_table("projects_assessments", schema=None) as batch_op:
        batch_op.drop_column("feedback_second")
        batch_op.drop_column("second_locale")
    with op.batch_alter_table("projects_brief_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_brief_translations_project_id"))
    op.drop_table("projects_brief_translations")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("text_local")
        batch_op.drop_column("locale")
