"""caption tracks

Caption and subtitle tracks of videos (``media.models.CaptionTrack``): WebVTT text kept in the row, a language,
a kind and where the track came from (uploaded, extracted from the video, edited, machine-made).

Revision ID: a0c1c2d3e4f5
Revises: a0b1c2d3e4f5
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a0c1c2d3e4f5"
down_revision = "a0b1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media_caption_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("subtitles", "captions", name="captionkind", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "uploaded",
                "extracted",
                "edited",
                "machine",
                name="captionsource",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("vtt", sa.Text(), nullable=False),
        sa.Column("cue_count", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_media_caption_tracks_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_files.id"],
            name=op.f("fk_media_caption_tracks_media_id_media_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_caption_tracks")),
    )
    op.create_index(
        op.f("ix_media_caption_tracks_created_by_id"), "media_caption_tracks", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_media_caption_tracks_media_id"), "media_caption_tracks", ["media_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_media_caption_tracks_media_id"), table_name="media_caption_tracks")
    op.drop_index(op.f("ix_media_caption_tracks_created_by_id"), table_name="media_caption_tracks")
    op.drop_table("media_caption_tracks")
