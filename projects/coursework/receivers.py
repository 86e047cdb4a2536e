"""Answers of coursework to the core's and the media plugin's signals.

Receivers are module-level functions connected once; each checks that the
current app loaded this plugin, since a process may build several apps.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.signals import NavItem, Panel
from lms.users.models import Role
from media.signals import UploadTarget
from projects.common import loaded

CONTEXT_PREFIX = "deliverable:"


def navigation(user):
    if loaded() and user.is_authenticated and user.role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN):
        return [NavItem(_l("Projects"), "projects.index", order=20)]
    return None


def calendar_events(user, start, end):
    """The open, due and cut-off dates of the projects *user* works on, for their calendar feed."""
    if not loaded():
        return None
    from projects.coursework import calendar

    return calendar.events_for(user, start, end)


def dashboard_panel(user):
    """Trainees see their projects with dates and progress; instructors their cohorts' projects."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from projects.coursework import services, submissions
    from projects.coursework.models import Submission

    if not loaded() or user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
        return None
    projects = list(db.session.scalars(services.projects_query(user).limit(12)))
    rows = []
    if user.role is Role.INSTRUCTOR:
        # One count for the panel (the submission's summary columns), not every submission's attempts.
        handed_in = dict(
            db.session.execute(
                select(Submission.project_id, func.count())
                .where(Submission.project_id.in_([p.id for p in projects]), Submission.attempt_count > 0)
                .group_by(Submission.project_id)
            ).all()
        )
    for project in projects:
        if user.role is Role.TRAINEE:
            rows.append(
                {
                    "project": project,
                    "dates": services.dates_for(project, user),
                    "submission": submissions.submission_for(project, user),
                }
            )
        else:
            rows.append(
                {
                    "project": project,
                    "dates": services.dates_for(project),
                    "count": handed_in.get(project.id, 0),
                }
            )
    return [Panel("projects/_dashboard.html", {"project_rows": rows}, order=10)]


def upload_requested(user, context: str = ""):
    """Uploads for ``deliverable:<id>``: the deliverable's brief, if the user may hand in work now."""
    from lms.extensions import db
    from projects.common import ProjectError
    from projects.coursework import submissions
    from projects.coursework.models import Deliverable

    if not loaded() or not context.startswith(CONTEXT_PREFIX):
        return None
    try:
        deliverable = db.session.get(Deliverable, int(context[len(CONTEXT_PREFIX) :]))
    except ValueError:
        raise PermissionError("bad deliverable id") from None
    if deliverable is None or not deliverable.kind.is_file:
        raise PermissionError("no such file deliverable")
    try:
        submissions.check_can_hand_in(deliverable.project, user)
    except ProjectError as exc:
        raise PermissionError(exc.code) from exc
    spec = deliverable.media_spec
    return UploadTarget(spec=spec, max_bytes=spec.get("max_size_bytes"))


def upload_completed(media, context: str = "", user=None):
    """A finished resumable upload for a deliverable joins the user's draft (as a candidate until checked)."""
    from lms.extensions import db
    from projects.coursework import submissions
    from projects.coursework.models import Deliverable

    if not loaded() or not context.startswith(CONTEXT_PREFIX) or user is None:
        return
    deliverable = db.session.get(Deliverable, int(context[len(CONTEXT_PREFIX) :]))
    submission = submissions.submission_for(deliverable.project, user, create=True)
    submissions.attach_upload(submission, deliverable, media)


def media_processed(media):
    from projects.coursework import submissions

    if loaded():
        submissions.on_media_processed(media)


def media_access(user, media=None):
    from projects.coursework import submissions

    if loaded() and media is not None:
        return submissions.media_visible_to(user, media)
    return None


def project_published(project):
    """Each trainee of the cohort hears of a newly published project (once, see ``notices``)."""
    from projects.coursework import notices

    if loaded():
        notices.announce_publication(project)


def attempt_submitted(attempt):
    """The cohort's instructors hear of each hand-in."""
    from projects.coursework import notices

    if loaded():
        notices.announce_hand_in(attempt)


def media_links(user, media=None):
    """A file's page links back to the projects it was handed in (or drafted) for that the viewer sees."""
    from flask import url_for

    from projects.coursework import submissions

    if not loaded() or media is None:
        return None
    return [
        (p.title, url_for("projects.show", project_id=p.id))
        for p in submissions.projects_of_media(user, media)
    ]
