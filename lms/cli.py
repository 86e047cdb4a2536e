"""The ``lms`` command: serve, worker, db, create-user, import-trainees, demo, check, backup, restore.

Plugins add their own groups (e.g. ``lms media``) in their ``init_app``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from lms.config import ConfigError, serve_public_url
from lms.users.models import Role

#: Entry points of command groups that run without an application (plugins name theirs here).
COMMANDS_GROUP = "lms.commands"


def _create_app():
    from lms import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``lms`` console script."""
    cli = FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        set_debug_flag=False,
        help="Gongbang (공방) command line.",
    )
    # Groups that need no application (``lms media inspect``): FlaskGroup finds a command added here before
    # it builds the app, so they start at once and write nothing to the instance folder.
    for entry in entry_points(group=COMMANDS_GROUP):
        cli.add_command(_EntryPointGroup(entry))
    cli.main(prog_name="lms")


class _EntryPointGroup(click.Group):
    """A command group named by an entry point, imported only when it runs or its help is shown (media's
    imports PyAV and Pillow, which ``lms serve`` and every other command can do without)."""

    def __init__(self, entry) -> None:
        super().__init__(entry.name)
        self._entry = entry

    def _group(self) -> click.Group:
        return self._entry.load()

    def make_context(self, info_name, args, parent=None, **extra):
        # The parent runs ``context.command.invoke(context)``: the real group, from here on.
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self._group().get_short_help_str(limit)


def init_app(app: Flask) -> None:
    from lms.backup import backup_command, restore_command
    from lms.check import check_command

    for command in (
        serve,
        worker,
        create_user,
        import_trainees,
        demo,
        check_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


#: Where the web and worker processes start. gunicorn and celery put their working folder first on the import
#: path, so starting them in an instance folder (which has a ``media/`` storage folder) would hide the media
#: plugin; the folder holding the ``lms`` package holds the real plugins (or site-packages when installed).
CODE_ROOT = Path(__file__).resolve().parent.parent


def _worker_argv(concurrency: int, beat: bool = False) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lms.worker:celery",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        # Periodic jobs (plugins add them to beat_schedule); one worker per installation may run beat,
        # or each job would run once per machine.
        argv += ["-B", "--schedule", str(Path(current_app.instance_path) / "celerybeat-schedule")]
    return argv


def lan_warning(host: str, config) -> str | None:
    """What to tell whoever serves plain HTTP beyond this machine while the session cookie is Secure.

    Browsers keep a Secure cookie only over HTTPS or from localhost, so a phone on the LAN could never sign
    in: every form would fail as expired.
    """
    if not config["SESSION_COOKIE_SECURE"] or config.get("TRUSTED_PROXIES"):
        return None  # plain cookies, or an HTTPS proxy in front
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    return (
        f"Note: http://{host} is plain HTTP, and browsers keep the sign-in cookie only over HTTPS (or on "
        "localhost): from other machines nobody could sign in. Put an HTTPS proxy in front "
        "(LMS_TRUSTED_PROXIES=1), or, on a trusted local network, start with LMS_SESSION_COOKIE_SECURE=false."
    )


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command ``lms serve`` runs (``bench/upload.py`` starts the same one)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        # Server hooks: request bodies read from the socket in large blocks (lms/serving.py).
        "--config",
        "python:lms.gunicorn_conf",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        # Masks link tokens in request lines and Referers (lms/logs.py).
        "--logger-class",
        "lms.logs.GunicornLogger",
        "--graceful-timeout",
        "20",
        "--chdir",
        str(CODE_ROOT),
        "lms:create_app()",
    ]


def declare_queues(celery) -> None:
    """Create the job queues before the web and worker processes start.

    Kombu's SQLAlchemy transport (the embedded broker) inserts a queue's row on first use with no guard
    against a second process doing the same: the worker's consumer, its beat's first sweep and the web
    process's first job raced, and the loser's ``UNIQUE constraint failed: kombu_queue.name`` stopped the
    worker (seen once in CI). Declared here first, each of them finds the row.
    """
    with celery.connection_for_write() as conn:
        for queue in celery.amqp.queues.values():
            queue.bind(conn.default_channel).declare()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="gunicorn web workers")
@click.option("--worker-concurrency", default=1, show_default=True, help="background job processes")
@click.option("--no-worker", is_flag=True, help="do not start a background worker (another machine runs it)")
@with_appcontext
def serve(host, port, workers, worker_concurrency, no_worker):
    """Run gunicorn and a background worker until interrupted (the embedded default)."""
    env = dict(os.environ, LMS_INSTANCE_PATH=current_app.instance_path)
    try:  # links in e-mails: PUBLIC_URL, or this server's own address when people open that one
        env["LMS_PUBLIC_URL"] = serve_public_url(host, port, current_app.config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    declare_queues(current_app.extensions["celery"])
    # Threads: a phone sending an 8 MiB upload chunk over a weak link holds its thread for minutes; a plain
    # sync worker would be killed by gunicorn's 30 s heartbeat timeout and block every other page meanwhile.
    procs = [
        subprocess.Popen(
            gunicorn_argv(host, port, workers),
            env=env,
            cwd=CODE_ROOT,
        )
    ]
    if not no_worker:
        procs.append(subprocess.Popen(_worker_argv(worker_concurrency, beat=True), env=env, cwd=CODE_ROOT))
    click.echo(f"Gongbang is running on http://{host}:{port} — press Ctrl+C to stop.")
    warning = lan_warning(host, current_app.config)
    if warning:
        click.echo(warning, err=True)
    stopping = False

    def _stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    failed = [p for p in procs if p.returncode not in (0, -signal.SIGTERM, None)]
    sys.exit(1 if failed and not stopping else 0)


@click.command("worker")
@click.option("--concurrency", default=2, show_default=True)
@click.option("--beat", is_flag=True, help="also run the periodic jobs (on exactly one worker machine)")
@with_appcontext
def worker(concurrency, beat):
    """Run a background job worker (several machines may run one each)."""
    env = dict(os.environ, LMS_INSTANCE_PATH=current_app.instance_path)
    declare_queues(current_app.extensions["celery"])  # its consumer and its beat would race to create them
    os.chdir(CODE_ROOT)
    os.execve(sys.executable, _worker_argv(concurrency, beat=beat), env)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="admin", show_default=True)
@click.option("--password", help="set this password instead of mailing an invitation; '-' to prompt")
@with_appcontext
def create_user(email, name, role, password):
    """Create an account (by default an administrator) and mail an invitation."""
    from lms.auth.services import PasswordRejected, set_password
    from lms.jobs import commit
    from lms.users import services

    if password == "-":
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            email=email, name=name, role=Role(role), created_by=None, invite=not password
        )
        if password:
            set_password(user, password)
    except services.DuplicateEmail:
        raise click.ClickException(f"Another account already uses {email}.") from None
    except PasswordRejected as exc:
        raise click.ClickException(f"Password refused by the policy: {', '.join(exc.problems)}.") from exc
    commit()
    click.echo(f"Created {role} {user.email} (id {user.id})" + ("" if password else "; invitation sent."))


@click.command("import-trainees")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def import_trainees(file):
    """Import trainees from a CSV file (all rows or none) and invite them."""
    from lms.extensions import db
    from lms.jobs import commit
    from lms.users import services

    result = services.import_trainees(file.read(), None)
    if not result.ok:
        db.session.rollback()
        for err in result.errors:
            click.echo(f"line {err.line}: {err.code} {err.value}".rstrip(), err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s); nothing was imported.")
    commit()
    click.echo(f"Imported {len(result.created)} new trainees, enrolled {len(result.enrolled)} existing ones.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="only load when the database has no users")
@click.option(
    "--scale",
    "scale_name",
    type=click.Choice(["small", "regional", "national"]),
    help="also bulk-load generated programmes, cohorts, trainees and coursework "
    "(national: 2,000 cohorts, 50,000 trainees, 1,000,000 submissions)",
)
@with_appcontext
def demo(if_empty, scale_name):
    """Load realistic demo data (idempotent) and print the demo logins."""
    from lms import demo as demo_data
    from lms.jobs import commit

    if not (if_empty and not demo_data.is_empty()):
        logins = demo_data.load_demo()
        commit()
        if scale_name:
            _load_scale(scale_name)
    else:
        logins = [(r.value, e, n) for e, n, r, _l, _o in demo_data.STAFF] + [
            ("trainee", demo_data.TRAINEES[0][0], demo_data.TRAINEES[0][1])
        ]
    click.echo(f"\nDemo logins (password for all: {demo_data.DEMO_PASSWORD})")
    for role, email, name in logins:
        click.echo(f"  {role:<11} {email:<32} {name}")
    click.echo("")


def _load_scale(name: str) -> None:
    from lms import scale
    from lms.jobs import commit

    started = time.perf_counter()
    counts = scale.load_scale(scale.SCALES[name])
    if not counts:
        click.echo(f"Generated data ({scale.EMAIL_DOMAIN}) is already there; nothing added.")
        return
    commit()
    scale.analyse()
    for table, count in counts.items():
        click.echo(f"  {table:<28} {count:>10,}")
    click.echo(
        f"Loaded the {name} data set in {time.perf_counter() - started:.0f} s "
        f"(accounts: instructor0001@{scale.EMAIL_DOMAIN}, trainee00001@{scale.EMAIL_DOMAIN}, …)."
    )


if __name__ == "__main__":
    main()
