"""Answers of the projects plugin to the core's and the media plugin's signals.

Receivers are module-level functions connected once; each checks that the
current app loaded this plugin, since a process may build several apps.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.signals import NavItem, Panel
from lms.users.models import Role
from media.signals import UploadTarget

CONTEXT_PREFIX = "deliverable:"


def _loaded() -> bool:
    return "projects" in current_app.extensions


def navigation(user):
    if not (_loaded() and user.is_authenticated):
        return None
    items = []
    if user.role in (Role.TRAINEE, Role.INSTRUCTOR, Role.ADMIN):
        items.append(NavItem(_l("Projects"), "projects.index", order=20))
    if user.role in (Role.INSTRUCTOR, Role.ADMIN):
        items.append(NavItem(_l("Rubrics"), "projects.rubric_library", order=21))
    return items


def dashboard_panel(user):
    """Trainees see their projects with dates and progress; instructors their cohorts' projects."""
    from projects import services, submissions

    if not _loaded() or user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
        return None
    projects = services.projects_for(user)[:12]
    rows = []
    for project in projects:
        if user.role is Role.TRAINEE:
            rows.append({"project": project, "dates": services.dates_for(project, user),
                         "submission": submissions.submission_for(project, user)})
        else:
            rows.append({"project": project, "dates": services.dates_for(project),
                         "count": len([s for s in submissions.submissions_of(project) if s.attempts])})
    return [Panel("projects/_dashboard.html", {"project_rows": rows}, order=10)]


def demo_loaded(_sender, cohorts=None, people=None):
    from projects import demo

    if _loaded():
        demo.load(cohorts or {}, people or {})


def upload_requested(user, context: str = ""):
    """Uploads for ``deliverable:<id>``: the deliverable's brief, if the user may hand in work now."""
    from lms.extensions import db
    from projects import submissions
    from projects.models import Deliverable
    from projects.services import ProjectError

    if not _loaded() or not context.startswith(CONTEXT_PREFIX):
        return None
    try:
        deliverable = db.session.get(Deliverable, int(context[len(CONTEXT_PREFIX):]))
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
    from projects import submissions
    from projects.models import Deliverable

    if not _loaded() or not context.startswith(CONTEXT_PREFIX) or user is None:
        return
    deliverable = db.session.get(Deliverable, int(context[len(CONTEXT_PREFIX):]))
    submission = submissions.submission_for(deliverable.project, user, create=True)
    submissions.attach_upload(submission, deliverable, media)


def attempt_submitted(attempt):
    from projects import marking

    if _loaded():
        marking.reopen_for_attempt(attempt)


def media_processed(media):
    from projects import submissions

    if _loaded():
        submissions.on_media_processed(media)


def media_access(user, media=None):
    from projects import submissions

    if _loaded() and media is not None:
        return submissions.media_visible_to(user, media)
    return None


