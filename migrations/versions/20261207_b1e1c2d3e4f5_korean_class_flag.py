"""korean class flag

A timetable session says whether it is a class of the centre's Korean course (``projects_sessions.korean``);
a trainee's Korean-class hours count the flagged sessions only.  Until now a word decided: a session counted
when its topic, or its programme's code or Korean or English name, held "korean" or "한국어" (any case).  The
upgrade flags the sessions that rule counted, so nobody's hours change; afterwards staff set the flag.

Revision ID: b1e1c2d3e4f5
Revises: b1d1c2d3e4f5
Create Date: 2026-12-07 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "b1e1c2d3e4f5"
down_revision = "b1d1c2d3e4f5"
branch_labels = None
depends_on = None

#: The words of the old rule, copied: a migration must keep working when the application code changes.
_WORDS = ("%korean%", "%한국어%")


def _says_korean(*columns):
    # ``ilike`` is ILIKE on PostgreSQL and lower(…) LIKE lower(…) on SQLite, as the old query was.
    return sa.or_(*(column.ilike(word) for column in columns for word in _WORDS))


def upgrade():
    # Plain ADD COLUMN (see the bilingual names migration); the false server default fills existing rows.
    op.add_column(
        "projects_sessions", sa.Column("korean", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    sessions = sa.table("projects_sessions", sa.column("cohort_id"), sa.column("topic"), sa.column("korean"))
    cohorts = sa.table("cohorts", sa.column("id"), sa.column("programme_id"))
    programmes = sa.table(
        "programmes", sa.column("id"), sa.column("code"), sa.column("name_ko"), sa.column("name_en")
    )
    korean_cohorts = (
        sa.select(cohorts.c.id)
        .join(programmes, programmes.c.id == cohorts.c.programme_id)
        .where(_says_korean(programmes.c.code, programmes.c.name_ko, programmes.c.name_en))
    )
    op.execute(
        sessions.update()
        .where(sa.or_(_says_korean(sessions.c.topic), sessions.c.cohort_id.in_(korean_cohorts)))
        .values(korean=True)
    )


def downgrade():
    op.drop_column("projects_sessions", "korean")
