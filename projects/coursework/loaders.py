"""THE loaders of coursework for screens and the API: what a person may see, else 404.

A child (deliverable, submission, team) is loaded through the project in the URL, which its caller has
already authorised; one of another project is a 404, not a leak.  The API passes ``g.api_user`` as user.
"""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.users.models import User
from projects.coursework import services, submissions
from projects.coursework.models import Deliverable, Project, Submission, Team


def get_project_or_404(project_id: int, user: User) -> Project:
    """A project the user may see (managers always; the cohort's trainees once published)."""
    project = db.session.get(Project, project_id)
    if project is None or not services.can_view(user, project):
        abort(404)
    return project


def get_managed_project_or_404(project_id: int, user: User) -> Project:
    """A project the user may edit and review: admins and the cohort's instructors."""
    project = db.session.get(Project, project_id)
    if project is None or not services.can_manage(user, project):
        abort(404)
    return project


def get_deliverable_or_404(project: Project, deliverable_id: int) -> Deliverable:
    """A deliverable of *project*."""
    deliverable = db.session.get(Deliverable, deliverable_id)
    if deliverable is None or deliverable.project_id != project.id:
        abort(404)
    return deliverable


def get_submission_or_404(project: Project, submission_id: int) -> Submission:
    """A submission to *project* (for its managers: callers check that *project* is managed)."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or submission.project_id != project.id:
        abort(404)
    return submission


def get_own_submission_or_404(project: Project, submission_id: int, user: User) -> Submission:
    """A submission to *project* that the user manages or that is theirs (or their team's)."""
    submission = get_submission_or_404(project, submission_id)
    if not (services.can_manage(user, project) or submissions.belongs_to(user, submission)):
        abort(404)
    return submission


def get_team_or_404(project: Project, team_id: int) -> Team:
    """A team of *project*."""
    team = db.session.get(Team, team_id)
    if team is None or team.project_id != project.id:
        abort(404)
    return team
