"""``lms check``: compare the database with the files beside it, and repair what is safe.

The core knows no plugin's tables or files: it checks the database itself
(SQLite's integrity and foreign keys) and asks the plugins through
:data:`lms.signals.integrity_check`, each answering with
:class:`~lms.signals.Finding` objects. A repair only does what loses nothing
(orphan files are moved to a quarantine folder, never deleted; stuck jobs are
queued again; summaries are recomputed); anything else is reported as needing
a person.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from lms import signals
from lms.extensions import db
from lms.signals import Finding

#: How old something must be before a check calls it abandoned: a request or job may be half-way through it.
DEFAULT_GRACE = timedelta(hours=1)


def run_checks(*, repair: bool = False, grace: timedelta = DEFAULT_GRACE) -> list[Finding]:
    """Every finding of the core and the plugins; with *repair*, the safe repairs are made and committed.

    :param grace: leave alone files, uploads and jobs younger than this (``0`` only while
        nothing else runs, e.g. straight after a crash).
    """
    from lms.jobs import commit, discard_pending

    findings = _database_findings()
    app = current_app._get_current_object()
    findings += signals.values_from_signal(signals.integrity_check.send(app, repair=repair, grace=grace))
    if repair:
        commit()  # queues the jobs the repairs asked for, after their rows are saved
    else:
        db.session.rollback()
        discard_pending()
    return findings


def _database_findings() -> list[Finding]:
    if db.engine.dialect.name != "sqlite":
        return []  # PostgreSQL enforces its constraints as it writes
    with db.engine.connect() as conn:
        problems = [row[0] for row in conn.execute(text("PRAGMA quick_check"))]
        fk = conn.execute(text("PRAGMA foreign_key_check")).all()
    out = [
        Finding("lms", "database_damaged", "sqlite", detail, needs_person=True)
        for detail in problems
        if detail != "ok"
    ]
    out += [
        Finding(
            "lms",
            "broken_reference",
            f"{table} row {rowid}",
            f"points at a missing {parent} row",
            needs_person=True,
        )
        for table, rowid, parent, _fk in fk
    ]
    return out


def outstanding(findings: list[Finding]) -> list[Finding]:
    """Findings that no repair fixed."""
    return [f for f in findings if not f.repaired]


@click.command("check")
@click.option("--repair", is_flag=True, help="fix what is safe to fix; report the rest")
@click.option(
    "--grace-minutes",
    type=float,
    default=DEFAULT_GRACE.total_seconds() / 60,
    show_default=True,
    help="leave alone anything younger (0 only while no web process or worker runs)",
)
@click.option("--json", "as_json", is_flag=True, help="print the findings as JSON")
@with_appcontext
def check_command(repair, grace_minutes, as_json):
    """Compare the database with stored files; exit 1 while anything is left unrepaired."""
    findings = run_checks(repair=repair, grace=timedelta(minutes=grace_minutes))
    left = outstanding(findings)
    if as_json:
        click.echo(
            json.dumps(
                {"findings": [asdict(f) for f in findings], "outstanding": len(left)},
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for f in findings:
            state = (
                "repaired: " + f.action if f.repaired else ("NEEDS A PERSON" if f.needs_person else "found")
            )
            click.echo(
                f"{f.plugin:<9} {f.code:<26} {f.subject:<44} {state}"
                + (f"  ({f.detail})" if f.detail else "")
            )
        fixed = len(findings) - len(left)
        click.echo(
            f"{len(findings)} finding(s), {fixed} repaired, {len(left)} outstanding"
            + ("" if repair or not left else "; run `lms check --repair` to fix what is safe")
            + "."
        )
    raise SystemExit(1 if left else 0)
