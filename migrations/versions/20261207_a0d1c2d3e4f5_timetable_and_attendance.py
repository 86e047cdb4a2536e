"""timetable and attendance

A cohort's sessions (``projects.attendance``), each trainee's mark in each, the corrections made to marks
(who, when, why, before and after), excused absences with their document, each programme's attendance rules
and the administrators' changes to the holiday calendar.

Revision ID: a0d1c2d3e4f5
Revises: a0c1c2d3e4f5
Create Date: 2026-12-07 07:00:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a0d1c2d3e4f5"
down_revision = "a0c1c2d3e4f5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "projects_attendance_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_holidays_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_attendance_holidays")),
        sa.UniqueConstraint("day", name=op.f("uq_projects_attendance_holidays_day")),
    )
    op.create_table(
        "projects_attendance_rules",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("lates_per_absence", sa.Integer(), nullable=False),
        sa.Column("min_rate_percent", sa.Integer(), nullable=False),
        sa.Column(
            "period", sa.Enum("month", "course", name="period", native_enum=False, length=8), nullable=False
        ),
        sa.CheckConstraint(
            "lates_per_absence >= 1", name=op.f("ck_projects_attendance_rules_lates_positive")
        ),
        sa.CheckConstraint(
            "min_rate_percent BETWEEN 0 AND 100", name=op.f("ck_projects_attendance_rules_rate_percent")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_projects_attendance_rules_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_projects_attendance_rules")),
    )
    op.create_table(
        "projects_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("room", sa.String(length=80), nullable=False),
        sa.Column("instructor_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_projects_sessions_times_ordered")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_projects_sessions_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instructor_id"],
            ["users.id"],
            name=op.f("fk_projects_sessions_instructor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_sessions")),
        sa.UniqueConstraint("cohort_id", "starts_at", name=op.f("uq_projects_sessions_cohort_id_starts_at")),
    )
    op.create_index(op.f("ix_projects_sessions_cohort_id"), "projects_sessions", ["cohort_id"], unique=False)
    op.create_index(
        op.f("ix_projects_sessions_instructor_id"), "projects_sessions", ["instructor_id"], unique=False
    )
    op.create_index("ix_projects_sessions_starts_at", "projects_sessions", ["starts_at"], unique=False)
    op.create_table(
        "projects_attendance_excuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "refused", name="excusestatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_excuses_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_files.id"],
            name=op.f("fk_projects_attendance_excuses_media_id_media_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projects_sessions.id"],
            name=op.f("fk_projects_attendance_excuses_session_id_projects_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_excuses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_attendance_excuses")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_projects_attendance_excuses_session_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_projects_attendance_excuses_user_id"),
        "projects_attendance_excuses",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "projects_attendance_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "mark",
            sa.Enum(
                "present",
                "late",
                "left_early",
                "absent",
                "excused",
                name="mark",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "roll_call",
                "check_in",
                "correction",
                "excuse",
                name="marksource",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checkin_session_hash", sa.String(length=64), nullable=True),
        sa.Column("checkin_ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["marked_by_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_records_marked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["projects_sessions.id"],
            name=op.f("fk_projects_attendance_records_session_id_projects_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_records_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_attendance_records")),
        sa.UniqueConstraint(
            "session_id", "user_id", name=op.f("uq_projects_attendance_records_session_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_projects_attendance_records_user_id"),
        "projects_attendance_records",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "projects_attendance_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["users.id"],
            name=op.f("fk_projects_attendance_corrections_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["projects_attendance_records.id"],
            name=op.f("fk_projects_attendance_corrections_record_id_projects_attendance_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects_attendance_corrections")),
    )
    op.create_index(
        op.f("ix_projects_attendance_corrections_record_id"),
        "projects_attendance_corrections",
        ["record_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(
        op.f("ix_projects_attendance_corrections_record_id"), table_name="projects_attendance_corrections"
    )
    op.drop_table("projects_attendance_corrections")
    op.drop_index(op.f("ix_projects_attendance_records_user_id"), table_name="projects_attendance_records")
    op.drop_table("projects_attendance_records")
    op.drop_index(op.f("ix_projects_attendance_excuses_user_id"), table_name="projects_attendance_excuses")
    op.drop_table("projects_attendance_excuses")
    op.drop_index("ix_projects_sessions_starts_at", table_name="projects_sessions")
    op.drop_index(op.f("ix_projects_sessions_instructor_id"), table_name="projects_sessions")
    op.drop_index(op.f("ix_projects_sessions_cohort_id"), table_name="projects_sessions")
    op.drop_table("projects_sessions")
    op.drop_table("projects_attendance_rules")
    op.drop_table("projects_attendance_holidays")
