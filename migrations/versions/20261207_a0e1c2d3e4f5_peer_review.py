"""peer review

Peer assessment (``projects/peer``): per-project settings, calibration examples and attempts, the reviews
(allocated, then submitted; a version counter for conflict-safe saves) and instructors' overrides.

Revision ID: a0e1c2d3e4f5
Revises: a0d1c2d3e4f5
Create Date: 2026-12-07 05:57:49.476236

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a0e1c2d3e4f5"
down_revision = "a0d1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_peer_settings",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("reviews_each", sa.Integer(), nullable=False),
        sa.Column("anonymous_authors", sa.Boolean(), nullable=False),
        sa.Column("anonymous_reviewers", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "method",
            sa.Enum("median", "trimmed_mean", name="peermethod", native_enum=False, length=14),
            nullable=False,
        ),
        sa.Column(
            "strictness",
            sa.Enum(
                "very_lax",
                "lax",
                "fair",
                "strict",
                "very_strict",
                name="strictness",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("peer_weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("self_weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("instructor_weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("agreement", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("attempts_enough", sa.Integer(), nullable=True),
        sa.Column("flexible_after_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "agreement BETWEEN 0 AND 100", name=op.f("ck_projects_peer_settings_agreement_range")
        ),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_projects_peer_settings_window_order"),
        ),
        sa.CheckConstraint(
            "peer_weight >= 0 AND self_weight >= 0 AND instructor_weight >= 0",
            name=op.f("ck_projects_peer_settings_weights_not_negative"),
        ),
        sa.CheckConstraint(
            "reviews_each BETWEEN 1 AND 10", name=op.f("ck_projects_peer_settings_reviews_each_range")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_peer_settings_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_projects_peer_settings")),
    )
    op.create_table(
        "projects_peer_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_peer_examples_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_peer_examples_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["projects_submissions.id"],
            name=op.f("fk_projects_peer_examples_submission_id_projects_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_peer_examples")),
        sa.UniqueConstraint(
            "project_id", "submission_id", name=op.f("uq_projects_peer_examples_project_id_submission_id")
        ),
    )
    with op.batch_alter_table("projects_peer_examples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_peer_examples_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "projects_peer_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("after", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_projects_peer_overrides_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["projects_submissions.id"],
            name=op.f("fk_projects_peer_overrides_submission_id_projects_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_peer_overrides")),
    )
    with op.batch_alter_table("projects_peer_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_peer_overrides_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "projects_peer_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("allocated", "submitted", name="peerreviewstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("assessing", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects_projects.id"],
            name=op.f("fk_projects_peer_reviews_project_id_projects_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_projects_peer_reviews_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["projects_submissions.id"],
            name=op.f("fk_projects_peer_reviews_submission_id_projects_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_peer_reviews")),
        sa.UniqueConstraint(
            "submission_id", "reviewer_id", name=op.f("uq_projects_peer_reviews_submission_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("projects_peer_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_peer_reviews_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_projects_peer_reviews_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_projects_peer_reviews_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "projects_peer_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("agreement", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["example_id"],
            ["projects_peer_examples.id"],
            name=op.f("fk_projects_peer_calibrations_example_id_projects_peer_examples"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_projects_peer_calibrations_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_peer_calibrations")),
        sa.UniqueConstraint(
            "example_id",
            "reviewer_id",
            "attempt",
            name=op.f("uq_projects_peer_calibrations_example_id_reviewer_id_attempt"),
        ),
    )
    with op.batch_alter_table("projects_peer_calibrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_peer_calibrations_example_id"), ["example_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_projects_peer_calibrations_reviewer_id"), ["reviewer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("projects_peer_calibrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_peer_calibrations_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_projects_peer_calibrations_example_id"))

    op.drop_table("projects_peer_calibrations")
    with op.batch_alter_table("projects_peer_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_peer_reviews_submission_id"))
        batch_op.drop_index(batch_op.f("ix_projects_peer_reviews_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_projects_peer_reviews_project_id"))

    op.drop_table("projects_peer_reviews")
    with op.batch_alter_table("projects_peer_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_peer_overrides_submission_id"))

    op.drop_table("projects_peer_overrides")
    with op.batch_alter_table("projects_peer_examples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_peer_examples_project_id"))

    op.drop_table("projects_peer_examples")
    op.drop_table("projects_peer_settings")
