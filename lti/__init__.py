"""LTI 1.3 Advantage tool plugin: Gongbang projects inside Moodle, Canvas, Open edX or Blackboard.

What it does: platform registration and the tool's rotating key set (:mod:`lti.keys`), OIDC third-party
login and resource-link launch with every check of LTI 1.3 / OIDC (:mod:`lti.launch`), deep linking of a
project with a line item, grade passback over Assignment and Grade Services when a grade is released
(:mod:`lti.grades`, via Celery) and roster sync over Names and Role Provisioning Services (:mod:`lti.roster`).

Libraries, and why: JOSE/JWT with **PyJWT[crypto]** (actively released, small, explicit ``algorithms=``
allow-list, refuses HMAC with a PEM public key) on **cryptography** for RSA; HTTP with **requests**.
The tool-side **PyLTI1p3** was considered and left out: its last release (2.0.0) is from November 2022, its
Flask adapter is built around its own session/cookie/cache abstractions that would duplicate our session
registry and Celery edge, and it would still leave deep-link picking, grade queueing and roster
mapping to us. What we write ourselves is therefore only the protocol glue; the cryptography is the
libraries'. The tests drive everything from a platform built on the third-party ``lti1p3platform``.

Imports go down: ``lti`` → ``projects`` → ``media`` → ``lms``.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

DEFAULTS = {
    #: How long a retired key stays in the JWKS (longer than anything it signed lives).
    "LTI_KEY_RETENTION": timedelta(days=1),
    #: How long the next key must have been published before it may start signing.
    "LTI_KEY_MIN_PUBLISHED": timedelta(hours=1),
    "LTI_JWKS_CACHE_SECONDS": 300,
}


def init_app(app) -> None:
    """Register the LTI plugin: settings, models, screens, grade passback, navigation, commands."""
    from lms import signals as core_signals
    from lms.errors import register_messages
    from lms.plugins import add_translations
    from lti import messages, models, receivers, tasks  # noqa: F401  (tables for Alembic; the worker's jobs)
    from lti.roster import RosterError
    from lti.services import LinkError
    from lti.views import bp
    from projects.coursework import signals as project_signals

    if "projects" not in app.extensions:
        raise RuntimeError(
            'the lti plugin needs the projects plugin: list "projects" before "lti" in LMS_PLUGINS'
        )
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    add_translations(app, __file__)
    app.register_blueprint(bp)
    register_messages(LinkError, messages.describe)
    register_messages(RosterError, messages.describe)
    app.cli.add_command(cli)
    core_signals.nav_items.connect(receivers.navigation)
    project_signals.assessment_released.connect(receivers.assessment_released)
    app.extensions["lti"] = {"version": 1}


cli = AppGroup("lti", help="LTI 1.3 tool: keys.")


@cli.command("rotate-key")
@click.option(
    "--force", is_flag=True, help="Promote the next key even if it was published less than an hour ago."
)
@click.option("--show", is_flag=True, help="Only list the published keys.")
def rotate_key_command(force: bool, show: bool) -> None:
    """Start signing with the next (already published) key and publish a new next key."""
    from lms.jobs import commit
    from lti import keys

    if not show:
        try:
            key = keys.rotate_keys(force=force)
        except keys.KeyRotationRefused as exc:
            raise click.ClickException(
                f"the next key was published too recently; wait {exc.wait} or use --force"
            ) from exc
        commit()
        click.echo(f"now signing with {key.kid}")
    else:
        keys.ensure_keys()
        commit()
    for key in keys.published_keys():
        click.echo(f"{key.kid}  {key.state.value:8}  created {key.created_at:%Y-%m-%d %H:%M}")
