"""korean evidence

Korean-language progress with evidence (``projects/korean``): a trainee's TOPIK levels and KIIP stages, each
with its uploaded score report, checked by staff and shared with employers by the trainee's choice.

Revision ID: b0e1c2d3e4f5
Revises: b0d1c2d3e4f5
Create Date: 2026-12-07 13:10:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b0e1c2d3e4f5"
down_revision = "b0d1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_korean_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "scale", sa.Enum("topik", "kiip", name="scale", native_enum=False, length=8), nullable=False
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("test_date", sa.Date(), nullable=True),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "verified", "rejected", name="evidencestatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(scale = 'topik' AND level >= 1 AND level <= 6 AND test_date IS NOT NULL)"
            " OR (scale = 'kiip' AND level >= 0 AND level <= 5)",
            name=op.f("ck_projects_korean_evidence_level_on_scale"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_projects_korean_evidence_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_files.id"],
            name=op.f("fk_projects_korean_evidence_media_id_media_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_korean_evidence_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_korean_evidence")),
    )
    with op.batch_alter_table("projects_korean_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_korean_evidence_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects_korean_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_korean_evidence_user_id"))

    op.drop_table("projects_korean_evidence")
