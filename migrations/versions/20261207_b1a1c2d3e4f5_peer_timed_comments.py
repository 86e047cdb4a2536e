"""peer timed comments

Peer review in the grading screen: a reviewer's comments pinned to moments of the reviewed work's video
(``projects_peer_timed_comments``), one row per comment, going with its review. No author column: the
reviewer is the review's, so a comment stays as anonymous as the review.

Revision ID: b1a1c2d3e4f5
Revises: b0f1c2d3e4f5
Create Date: 2026-12-07 13:05:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1a1c2d3e4f5"
down_revision = "b0f1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_peer_timed_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("criterion_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_files.id"],
            name=op.f("fk_projects_peer_timed_comments_media_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["projects_peer_reviews.id"],
            name=op.f("fk_projects_peer_timed_comments_review_id_projects_peer_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_peer_timed_comments")),
    )
    with op.batch_alter_table("projects_peer_timed_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projects_peer_timed_comments_media_id"), ["media_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_projects_peer_timed_comments_review_id"), ["review_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("projects_peer_timed_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_peer_timed_comments_review_id"))
        batch_op.drop_index(batch_op.f("ix_projects_peer_timed_comments_media_id"))
    op.drop_table("projects_peer_timed_comments")
