"""Answers of the completions domain to signals: navigation, and telling a trainee their record is signed."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.notifications.kinds import register_kind
from lms.signals import NavItem
from lms.users.models import Role
from projects.common import loaded

register_kind("certificate", _l("A certificate or credential is issued"), group=_l("Coursework"))


def navigation(user):
    if loaded() and user.is_authenticated and user.role is Role.ADMIN:
        return [NavItem(_l("Completions"), "completions.completions_admin", order=26)]
    return None


def _certificate_path(completion) -> str:
    if has_request_context():
        return url_for("completions.certificate", completion_id=completion.id)
    # The command line (``lms demo``) has no request to build a URL from: the path alone is what is stored.
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("completions.certificate", {"completion_id": completion.id})


def announce_completion(completion, **_extra) -> None:
    """Receiver of ``completion_recorded``: the trainee is told (on the site and by e-mail) that their
    signed completion record is ready, once per record (``notify(once=True)`` keys on its page)."""
    if not loaded():
        return
    from lms.notifications.services import notify

    cohort = completion.cohort
    notify(
        completion.user,
        lambda: _(
            "Your completion of %(programme)s (%(cohort)s) is recorded. Your certificate is ready.",
            programme=cohort.programme.name,
            cohort=cohort.name,
        ),
        _certificate_path(completion),
        once=True,
        kind="certificate",
    )
