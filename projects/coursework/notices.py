"""Notifications on the coursework events people wait for: a project published to a trainee's cohort, and a
hand-in for the cohort's instructors.

Called by :mod:`projects.coursework.receivers` on :data:`~projects.coursework.signals.project_published` and
:data:`~projects.coursework.signals.attempt_submitted`; they go through the core's
:func:`lms.notifications.services.notify`, which writes each message in both languages.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.kinds import register_kind
from lms.notifications.models import Notification
from lms.notifications.services import notify
from projects.coursework.models import Attempt, Project
from projects.coursework.services import cohort_trainees
from projects.coursework.submissions import team_label

COURSEWORK = _l("Coursework")
register_kind("project_published", _l("A new project for my cohort"), group=COURSEWORK)
register_kind("hand_in", _l("Work handed in (instructors)"), group=COURSEWORK)


def _path(endpoint: str, **values) -> str:
    """A site path for *endpoint*; the demo loader and the CLI publish outside a request."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def _title(project: Project) -> str:
    """The title in the language notify() is writing in (``Project.title`` follows the request's reader, and
    there is none in the CLI or the demo loader)."""
    english = str(get_locale() or "ko") == "en"
    return (project.title_en if english else project.title_ko) or project.title_ko or project.title_en


def announce_publication(project: Project) -> int:
    """Tell each active trainee of the project's cohort that it is published; returns how many were told.

    Idempotent: a trainee who already has a notification pointing at the project (an earlier publication,
    before the project went back to draft) is not told again.
    """
    url = _path("projects.show", project_id=project.id)
    trainees = cohort_trainees(project.cohort_id)
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.url == url, Notification.user_id.in_([t.id for t in trainees])
            )
        )
    )
    count = 0
    for trainee in trainees:
        if trainee.id in told:
            continue
        notify(
            trainee,
            lambda: _("A new project for your cohort: “%(project)s”.", project=_title(project)),
            url,
            kind="project_published",
        )
        count += 1
    return count


def announce_hand_in(attempt: Attempt) -> int:
    """Tell the instructors of the cohort that work was handed in; returns how many were told.

    One notification per attempt (the signal is sent once per attempt), pointing at the submission's page.
    """
    submission = attempt.submission
    project = submission.project
    url = _path("projects.review", project_id=project.id, submission_id=submission.id)
    who = team_label(submission)
    late = attempt.late
    number = attempt.number
    instructors = [u for u in project.cohort.instructors if u.active]
    for instructor in instructors:
        notify(
            instructor,
            lambda: (
                _(
                    "%(who)s handed in “%(project)s” late (attempt %(n)s).",
                    who=who,
                    project=_title(project),
                    n=number,
                )
                if late
                else _(
                    "%(who)s handed in “%(project)s” (attempt %(n)s).",
                    who=who,
                    project=_title(project),
                    n=number,
                )
            ),
            url,
            kind="hand_in",
        )
    return len(instructors)
