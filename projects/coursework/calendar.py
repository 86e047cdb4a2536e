"""Coursework's dates in calendars: when each project a person works on opens, is due and closes.

Trainees get their own dates (after their or their team's extension); instructors the project's dates for
the cohorts they teach.  The UIDs name the project and the kind of date only, so a calendar app updates the
event when an instructor moves a date or grants an extension.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_

from lms.extensions import db
from lms.signals import CalendarEvent
from lms.users.models import Role, User
from projects.coursework import services
from projects.coursework.models import Project

#: An extension moves a due date by days or weeks; look this far around the window for projects it moved in.
EXTENSION_REACH = timedelta(days=120)
#: The nearest projects are enough for a calendar; a cohort has a few dozen in a year.
MAX_PROJECTS = 200


def project_events(project: Project, user: User) -> list[CalendarEvent]:
    """The dates of *project* that apply to *user* (trainees: after any extension)."""
    dates = services.dates_for(project, user) if user.role is Role.TRAINEE else services.dates_for(project)
    title, path = project.title, url_for("projects.show", project_id=project.id)
    cohort = project.cohort.name if project.cohort else ""
    due_note = _("Your due date was moved (extension).") if dates.extension else ""
    uid = f"projects-{project.id}"
    events = [
        CalendarEvent(
            f"{uid}-due", _("Due: %(title)s", title=title), dates.due_at, None, _join(cohort, due_note), path
        )
    ]
    if dates.opens_at:
        events.append(
            CalendarEvent(
                f"{uid}-opens", _("Opens: %(title)s", title=title), dates.opens_at, None, cohort, path
            )
        )
    if dates.cutoff_at and dates.cutoff_at != dates.due_at:
        note = _("After this, nothing more can be handed in.")
        events.append(
            CalendarEvent(
                f"{uid}-cutoff",
                _("Cut-off: %(title)s", title=title),
                dates.cutoff_at,
                None,
                _join(cohort, note),
                path,
            )
        )
    return events


def events_for(user: User, start: datetime, end: datetime) -> list[CalendarEvent]:
    """The coursework dates between *start* and *end* of the projects *user* works on (trainees and
    instructors; admins run programmes, not projects, and would get every project of the centre)."""
    if user.role not in (Role.TRAINEE, Role.INSTRUCTOR):
        return []
    low, high = start - EXTENSION_REACH, end + EXTENSION_REACH
    stmt = services.projects_query(user).where(
        or_(Project.due_at.between(low, high), Project.cutoff_at.between(low, high))
    )
    events = []
    for project in db.session.scalars(stmt.limit(MAX_PROJECTS)):
        events += [e for e in project_events(project, user) if start <= e.start <= end]
    return events


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)
