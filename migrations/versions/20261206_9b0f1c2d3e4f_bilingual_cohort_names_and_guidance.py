"""bilingual cohort names and deliverable guidance

A cohort's ``name`` becomes ``name_ko`` and ``name_en``, a deliverable's ``guidance`` becomes ``guidance_ko``
and ``guidance_en``, like a programme's names and a project's brief. A cohort's ``code`` stays what CSV
imports and the API identify it by; the names are for display only.

Existing text is kept, under the language it is written in: a text with Hangul goes to ``_ko``, any other to
``_en`` (the same rule as ``lms.programmes.models.split_by_language``). The other language stays empty, so its
readers see the existing text as the fallback, exactly as before. The downgrade keeps one text per row, the
Korean one if there is one, else the English one (so an upgrade then a downgrade gives back every old text;
an English name added after the upgrade is lost beside a Korean one).

Revision ID: 9b0f1c2d3e4f
Revises: 8a0f1c2d3e4f
Create Date: 2026-12-06 23:30:00

"""

import re

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "9b0f1c2d3e4f"
down_revision = "8a0f1c2d3e4f"
branch_labels = None
depends_on = None

#: Copied, not imported: a migration must keep working when the application code changes.
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def _split(rows, table: str, old: str) -> None:
    """Write each row's ``old`` text into ``<old>_ko`` or ``<old>_en`` by the script it is in."""
    conn = op.get_bind()
    t = sa.table(table, sa.column("id"), sa.column(f"{old}_ko"), sa.column(f"{old}_en"))
    for row_id, text in rows:
        text = (text or "").strip()
        korean = bool(_HANGUL.search(text))
        conn.execute(
            t.update()
            .where(t.c.id == row_id)
            .values({f"{old}_ko": text if korean else "", f"{old}_en": "" if korean else text})
        )


# Plain ADD/DROP COLUMN, never ``batch_alter_table``: on SQLite a batch that drops a column copies the table and
# drops the old one, which the enforced foreign keys (``PRAGMA foreign_keys=ON``) refuse as soon as an
# enrolment or a project points at a cohort. SQLite has DROP COLUMN since 3.35 (2021). The empty server
# default fills the rows that exist; the models declare it too, so both schemas agree.


def upgrade():
    conn = op.get_bind()
    cohort_names = conn.execute(sa.text("SELECT id, name FROM cohorts")).fetchall()
    guidance = conn.execute(sa.text("SELECT id, guidance FROM projects_deliverables")).fetchall()

    for lang in ("ko", "en"):
        op.add_column("cohorts", sa.Column(f"name_{lang}", sa.String(160), nullable=False, server_default=""))
        op.add_column(
            "projects_deliverables",
            sa.Column(f"guidance_{lang}", sa.Text(), nullable=False, server_default=""),
        )
    _split(cohort_names, "cohorts", "name")
    _split(guidance, "projects_deliverables", "guidance")
    op.drop_column("cohorts", "name")
    op.drop_column("projects_deliverables", "guidance")


def downgrade():
    op.add_column("cohorts", sa.Column("name", sa.String(160), nullable=False, server_default=""))
    op.add_column(
        "projects_deliverables", sa.Column("guidance", sa.Text(), nullable=False, server_default="")
    )
    conn = op.get_bind()
    for table, old in (("cohorts", "name"), ("projects_deliverables", "guidance")):
        t = sa.table(table, sa.column("id"), sa.column(old), sa.column(f"{old}_ko"), sa.column(f"{old}_en"))
        for row_id, ko, en in conn.execute(sa.select(t.c.id, t.c[f"{old}_ko"], t.c[f"{old}_en"])).fetchall():
            conn.execute(t.update().where(t.c.id == row_id).values({old: ko or en or ""}))
    for lang in ("en", "ko"):
        op.drop_column("projects_deliverables", f"guidance_{lang}")
        op.drop_column("cohorts", f"name_{lang}")
