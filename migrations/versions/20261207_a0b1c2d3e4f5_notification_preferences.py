"""notification preferences

Per person and kind of message: where it goes (site, e-mail, both, none) and whether it waits for the daily
digest; per person: quiet hours and the key id of their unsubscribe links; the entries waiting for a digest;
``notifications.shown`` (false when the person turned the kind off on the site).

Revision ID: a0b1c2d3e4f5
Revises: a0a1c2d3e4f5
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a0b1c2d3e4f5"
down_revision = "a0a1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("both", "in_app", "email", "none", name="channel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_preferences_user_id_kind")),
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preferences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("unsubscribe_key", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_settings_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )

    op.create_table(
        "notification_digest_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_digest_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digest_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notification_digest_entries_idempotency_key")),
    )
    with op.batch_alter_table("notification_digest_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_digest_entries_digest_key"), ["digest_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_digest_entries_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shown", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("shown")
    with op.batch_alter_table("notification_digest_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_digest_entries_user_id"))
        batch_op.drop_index(batch_op.f("ix_notification_digest_entries_digest_key"))
    op.drop_table("notification_digest_entries")
    op.drop_table("notification_settings")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_user_id"))
    op.drop_table("notification_preferences")
