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
    if user.role is Role.TRAINEE:
        items.append(NavItem(_l("Portfolio"), "portfolios.edit", order=25))
    if user.role is Role.ADMIN:
        items.append(NavItem(_l("Completions"), "portfolios.completions_admin", order=26))
    return items + _career_navigation(user)


def _career_navigation(user) -> list[NavItem]:
    from projects import careers

    if user.role is Role.EMPLOYER:
        if not careers.is_approved_employer(user):
            return [NavItem(_l("Application status"), "careers.status", order=30)]
        return [NavItem(_l("Find trainees and graduates"), "careers.search", order=30),
                NavItem(_l("Interests"), "careers.interests", order=31)]
    if user.role in (Role.LIAISON, Role.ADMIN):
        return [NavItem(_l("Employers"), "careers.employers", order=30),
                NavItem(_l("Interest board"), "careers.board", order=31),
                NavItem(_l("Placement"), "careers.placement", order=32)]
    if user.role is Role.TRAINEE:
        return [NavItem(_l("Employer interest"), "careers.interests", order=31)]
    return []


def careers_panel(user):
    """Liaisons see what waits for them; employers and trainees the interests that wait for an answer."""
    from projects import careers
    from projects.models import EmployerStatus, InterestStatus

    if not _loaded() or user.role not in (Role.LIAISON, Role.EMPLOYER, Role.TRAINEE):
        return None
    if user.role is Role.EMPLOYER and not careers.is_approved_employer(user):
        return None
    interests = careers.interests_for(user)
    waiting = {Role.LIAISON: InterestStatus.SUBMITTED, Role.TRAINEE: InterestStatus.FORWARDED}.get(user.role)
    context = {"interests": interests[:8], "waiting": [i for i in interests if i.status == waiting],
               "pending_employers": len(careers.employers_by_status(EmployerStatus.PENDING))
               if user.role is Role.LIAISON else 0}
    return [Panel("projects/careers/_dashboard.html", context, order=15)]


def dashboard_panel(user):
    """Trainees see their projects with dates and progress; instructors their cohorts' projects."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from projects import services, submissions
    from projects.models import Submission

    if not _loaded() or user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
        return None
    projects = list(db.session.scalars(services.projects_query(user).limit(12)))
    rows = []
    if user.role is Role.INSTRUCTOR:
        # One count for the panel (the submission's summary columns), not every submission's attempts.
        handed_in = dict(db.session.execute(
            select(Submission.project_id, func.count()).where(Submission.project_id.in_([p.id for p in projects]),
                                                              Submission.attempt_count > 0)
            .group_by(Submission.project_id)).all())
    for project in projects:
        if user.role is Role.TRAINEE:
            rows.append({"project": project, "dates": services.dates_for(project, user),
                         "submission": submissions.submission_for(project, user)})
        else:
            rows.append({"project": project, "dates": services.dates_for(project),
                         "count": handed_in.get(project.id, 0)})
    return [Panel("projects/_dashboard.html", {"project_rows": rows}, order=10)]


def demo_loaded(_sender, cohorts=None, people=None):
    from projects import career_demo, demo

    if _loaded():
        demo.load(cohorts or {}, people or {})
        career_demo.load(cohorts or {}, people or {})


def scale_loaded(_sender, **data):
    from projects import scale

    if _loaded():
        scale.load(**data)


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


