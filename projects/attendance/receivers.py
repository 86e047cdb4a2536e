"""Answers of the attendance domain to the core's signals: navigation, and sessions in calendar feeds."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.signals import CalendarEvent, NavItem
from lms.users.models import Role
from projects.common import loaded


def navigation(user):
    if not loaded() or not user.is_authenticated:
        return None
    if user.role in (Role.TRAINEE, Role.INSTRUCTOR):
        return [NavItem(_l("Timetable"), "attendance.index", order=15)]
    if user.role is Role.ADMIN:
        return [NavItem(_l("Holidays"), "attendance.holidays", order=27)]
    return None


def calendar_events(user, start, end):
    """The sessions of *user*'s cohorts (trainees) or of those they teach (instructors) in the window.

    The UID names the session alone, so a moved class updates the event in the calendar app.
    """
    if not loaded():
        return []
    from projects.attendance import services

    events = []
    for session in services.sessions_for(user, start, end):
        title = session.topic or session.cohort.name
        note = "\n".join(
            part
            for part in (session.cohort.name, _("Room: %(room)s", room=session.room) if session.room else "")
            if part
        )
        events.append(
            CalendarEvent(
                f"attendance-session-{session.id}",
                _("Class: %(title)s", title=title),
                session.starts_at,
                session.ends_at,
                note,
                url_for("attendance.index"),
                busy=True,
            )
        )
    return events
