"""Projects: briefs, deliverables, publishing, copying, teams, extensions, and who may see what.

Submissions live in :mod:`projects.submissions`.  Services take plain
arguments, flush, log and signal; the request or task edge commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus
from lms.users.models import Role, User
from media.validation import DeliverableSpec
from projects.common import ProjectError
from projects.coursework import caption_rules, reminders, signals
from projects.coursework.models import (
    Deliverable,
    DeliverableKind,
    Extension,
    Project,
    ProjectStatus,
    Team,
    TeamMember,
)
from projects.grading import rules as grading

log = logging.getLogger(__name__)

PROJECT_FIELDS = (
    "title_ko",
    "title_en",
    "brief_ko",
    "brief_en",
    "outcomes",
    "opens_at",
    "due_at",
    "cutoff_at",
    "max_attempts",
    "team_mode",
    "max_grade",
    "late_policy",
    "late_percent",
    "late_floor",
    "self_assessment",
    "reminder_hours",
)
DELIVERABLE_FIELDS = (
    "name_ko",
    "name_en",
    "kind",
    "spec",
    "required",
    "guidance_ko",
    "guidance_en",
    "captions",
)


def _check_dates(opens_at: datetime | None, due_at: datetime | None, cutoff_at: datetime | None) -> None:
    if due_at is None:
        raise ProjectError("due_missing")
    if opens_at is not None and opens_at > due_at:
        raise ProjectError("opens_after_due")
    if cutoff_at is not None and cutoff_at < due_at:
        raise ProjectError("cutoff_before_due")


def _project_values(fields: dict) -> dict:
    values = {k: fields[k] for k in PROJECT_FIELDS if k in fields}
    # Only these may be cleared; an empty grading setting keeps its default.
    values = {
        k: v for k, v in values.items() if v is not None or k in ("opens_at", "cutoff_at", "max_attempts")
    }
    try:
        grading.LatePolicy(
            kind=grading.LatePolicyKind(values.get("late_policy", "none")),
            percent=values.get("late_percent", 0),
            floor=values.get("late_floor", 0),
        )
    except (ValueError, grading.GradingError) as exc:
        raise ProjectError("bad_policy") from exc
    if "max_grade" in values and not Decimal(str(values["max_grade"])) > 0:
        raise ProjectError("bad_policy")
    if "reminder_hours" in values:
        try:
            values["reminder_hours"] = reminders.format_hours(reminders.parse_hours(values["reminder_hours"]))
        except ValueError as exc:
            raise ProjectError("bad_reminder_hours", limit=reminders.MAX_LEAD_HOURS) from exc
    return values


def create_project(cohort: Cohort, created_by: User, **fields) -> Project:
    """Create a draft project for *cohort*; *fields* are among :data:`PROJECT_FIELDS`."""
    values = _project_values(fields)
    _check_dates(values.get("opens_at"), values.get("due_at"), values.get("cutoff_at"))
    if not (values.get("title_ko") or values.get("title_en")):
        raise ProjectError("title_missing")
    project = Project(cohort=cohort, created_by_id=created_by.id, status=ProjectStatus.DRAFT, **values)
    db.session.add(project)
    db.session.flush()
    log.info("project %s created in cohort %s by user %s", project.id, cohort.id, created_by.id)
    return project


def update_project(project: Project, **fields) -> None:
    """Change a project's brief and dates; switching team mode is refused once work was handed in."""
    values = _project_values(fields)
    merged = {k: values.get(k, getattr(project, k)) for k in ("opens_at", "due_at", "cutoff_at")}
    _check_dates(**merged)
    if "team_mode" in values and values["team_mode"] != project.team_mode and _has_submissions(project):
        raise ProjectError("team_mode_locked")
    for key, value in values.items():
        setattr(project, key, value)
    db.session.flush()


def _has_submissions(project: Project) -> bool:
    from projects.coursework.models import Submission

    return (
        db.session.scalar(select(Submission.id).where(Submission.project_id == project.id).limit(1))
        is not None
    )


def save_deliverable(project: Project, deliverable: Deliverable | None = None, **fields) -> Deliverable:
    """Add a deliverable (``deliverable=None``) or change one; the spec is validated like the media
    checks'."""
    values = {k: fields[k] for k in DELIVERABLE_FIELDS if k in fields}
    if "kind" in values:
        values["kind"] = DeliverableKind(values["kind"])
    if "spec" in values:
        spec = dict(values["spec"] or {})
        spec.pop("kinds", None)  # implied by the kind
        try:
            values["spec"] = DeliverableSpec.from_dict(spec).to_dict()
        except ValueError as exc:
            # DeliverableSpec says e.g. "min_duration is greater than max_duration": name the measure instead.
            measure = str(exc).split("_", 1)[-1].split(" ", 1)[0]
            if "greater than" in str(exc):
                raise ProjectError("spec_range", measure=measure) from exc
            raise ProjectError("bad_spec", detail=str(exc)) from exc
    if "captions" in values:
        try:
            values["captions"] = caption_rules.normalise(values["captions"])
        except ValueError as exc:
            raise ProjectError("bad_captions") from exc
    if not (values.get("name_ko") or values.get("name_en") or deliverable):
        raise ProjectError("name_missing")
    if deliverable is None:
        position = max((d.position for d in project.deliverables), default=-1) + 1
        deliverable = Deliverable(position=position, **values)
        project.deliverables.append(deliverable)
    else:
        if deliverable.project_id != project.id:
            raise ProjectError("wrong_project")
        for key, value in values.items():
            setattr(deliverable, key, value)
    db.session.flush()
    return deliverable


def remove_deliverable(project: Project, deliverable: Deliverable) -> None:
    """Remove a deliverable while nothing was handed in for it (published work stays intact)."""
    from projects.coursework.models import AttemptItem

    if deliverable.project_id != project.id:
        raise ProjectError("wrong_project")
    if db.session.scalar(select(AttemptItem.id).where(AttemptItem.deliverable_id == deliverable.id).limit(1)):
        raise ProjectError("deliverable_in_use")
    project.deliverables.remove(deliverable)
    db.session.flush()


def publish_project(project: Project) -> None:
    """Make the project visible to the cohort's trainees."""
    if not project.deliverables:
        raise ProjectError("no_deliverables")
    if project.status is ProjectStatus.PUBLISHED:
        return
    project.status = ProjectStatus.PUBLISHED
    project.published_at = utcnow()
    db.session.flush()
    log.info("project %s published", project.id)
    signals.project_published.send(project)


def unpublish_project(project: Project) -> None:
    """Back to draft (hidden from trainees) while nobody has handed anything in."""
    if _has_submissions(project):
        raise ProjectError("has_submissions")
    project.status = ProjectStatus.DRAFT
    db.session.flush()


def copy_project(project: Project, cohort: Cohort, copied_by: User) -> Project:
    """A draft copy of *project* for *cohort*, dates moved by the gap between the cohorts' starts."""
    shift = timedelta(days=(cohort.start_date - project.cohort.start_date).days)
    move = lambda d: None if d is None else d + shift
    fields = {k: getattr(project, k) for k in PROJECT_FIELDS}
    fields.update(
        opens_at=move(project.opens_at), due_at=move(project.due_at), cutoff_at=move(project.cutoff_at)
    )
    copy = create_project(cohort, copied_by, **fields)
    copy.copied_from_id = project.id
    for d in project.deliverables:
        copy.deliverables.append(
            Deliverable(position=d.position, **{k: getattr(d, k) for k in DELIVERABLE_FIELDS})
        )
    db.session.flush()
    log.info("project %s copied to %s (cohort %s)", project.id, copy.id, cohort.id)
    return copy


def cohort_trainees(cohort_id: int) -> list[User]:
    """Actively enrolled trainees of a cohort, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(User.name)
        )
    )


def is_enrolled(user: User, cohort_id: int) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.cohort_id == cohort_id,
                Enrolment.user_id == user.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
        is not None
    )


def teaches(user: User, cohort_id: int) -> bool:
    return db.session.get(CohortInstructor, (cohort_id, user.id)) is not None


def can_manage(user: User, project: Project) -> bool:
    """Admins and the cohort's instructors edit, publish and review a project."""
    return user.role is Role.ADMIN or (user.role is Role.INSTRUCTOR and teaches(user, project.cohort_id))


def can_view(user: User, project: Project) -> bool:
    """Managers always; the cohort's trainees once it is published."""
    if can_manage(user, project):
        return True
    return project.published and user.role is Role.TRAINEE and is_enrolled(user, project.cohort_id)


def save_team(project: Project, name: str, members: list[User], team: Team | None = None) -> Team:
    """Create or change a team; members must be enrolled and in no other team of the project."""
    name = name.strip()
    if not name:
        raise ProjectError("name_missing")
    clash = db.session.scalar(select(Team).where(Team.project_id == project.id, Team.name == name))
    if clash is not None and clash is not team:
        raise ProjectError("duplicate_team")
    for user in members:
        if not is_enrolled(user, project.cohort_id):
            raise ProjectError("not_enrolled", name=user.name)
        other = team_of(project, user)
        if other is not None and other is not team:
            raise ProjectError("already_in_team", name=user.name, team=other.name)
    if team is None:
        team = Team(project=project, name=name)
        db.session.add(team)
        db.session.flush()
    team.name = name
    wanted = {u.id for u in members}
    for link in db.session.scalars(select(TeamMember).where(TeamMember.team_id == team.id)):
        if link.user_id not in wanted:
            db.session.delete(link)
        wanted.discard(link.user_id)
    for user_id in wanted:
        db.session.add(TeamMember(team_id=team.id, user_id=user_id, project_id=project.id))
    db.session.flush()
    db.session.expire(team, ["members"])
    return team


def team_of(project: Project, user: User) -> Team | None:
    """The user's team in a team project (None when not in one)."""
    return db.session.scalar(
        select(Team)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.project_id == project.id, TeamMember.user_id == user.id)
    )


#: The longest reason for an extension (the form's limit).
EXTENSION_REASON_MAX = 2000


def grant_extension(
    project: Project,
    *,
    granted_by: User,
    due_at: datetime,
    cutoff_at: datetime | None,
    reason: str,
    user: User | None = None,
    team: Team | None = None,
) -> Extension:
    """Give one trainee or team new dates; the newest extension wins and all stay in the history."""
    if (user is None) == (team is None):
        raise ProjectError("user_or_team")
    if cutoff_at is not None and cutoff_at < due_at:
        raise ProjectError("cutoff_before_due")
    if not reason.strip():
        raise ProjectError("reason_missing")
    if len(reason.strip()) > EXTENSION_REASON_MAX:
        raise ProjectError("too_long", limit=EXTENSION_REASON_MAX)
    if user is not None and not is_enrolled(user, project.cohort_id):
        raise ProjectError("not_enrolled", name=user.name)
    if team is not None and team.project_id != project.id:
        raise ProjectError("wrong_project")
    extension = Extension(
        project_id=project.id,
        user=user,
        team=team,
        due_at=due_at,
        cutoff_at=cutoff_at,
        reason=reason.strip(),
        granted_by_id=granted_by.id,
    )
    db.session.add(extension)
    db.session.flush()
    log.info(
        "extension %s on project %s for %s",
        extension.id,
        project.id,
        # Exactly one of user and team is given (checked above): without a user there is a team.
        f"user {user.id}" if user else f"team {cast(Team, team).id}",
    )
    signals.extension_granted.send(extension)
    return extension


@dataclass(frozen=True)
class Dates:
    """The dates that apply to one trainee or team."""

    opens_at: datetime | None
    due_at: datetime
    cutoff_at: datetime | None
    extension: Extension | None = None

    def is_open(self, now: datetime) -> bool:
        return self.opens_at is None or now >= self.opens_at

    def is_closed(self, now: datetime) -> bool:
        return self.cutoff_at is not None and now > self.cutoff_at

    def is_late(self, now: datetime) -> bool:
        return now > self.due_at


def dates_for(project: Project, user: User | None = None, team: Team | None = None) -> Dates:
    """The project's dates after the newest extension for the user or their team."""
    conditions = []
    if user is not None:
        conditions.append(Extension.user_id == user.id)
        team = team or (team_of(project, user) if project.team_mode else None)
    if team is not None:
        conditions.append(Extension.team_id == team.id)
    extension = None
    if conditions:
        extension = db.session.scalar(
            select(Extension)
            .where(Extension.project_id == project.id, or_(*conditions))
            .order_by(Extension.created_at.desc(), Extension.id.desc())
            .limit(1)
        )
    if extension is None:
        return Dates(project.opens_at, project.due_at, project.cutoff_at)
    return Dates(project.opens_at, extension.due_at, extension.cutoff_at, extension)


def extensions_for(project: Project) -> list[Extension]:
    return list(db.session.scalars(extensions_query(project)))


def extensions_query(project: Project):
    """A ``select`` of the project's extensions, newest first, with the people they name (to paginate)."""
    return (
        select(Extension)
        .where(Extension.project_id == project.id)
        .options(joinedload(Extension.user), joinedload(Extension.team), joinedload(Extension.granted_by))
        .order_by(Extension.created_at.desc(), Extension.id.desc())
    )


def teams_query(project: Project):
    """A ``select`` of the project's teams by name, members loaded (to paginate)."""
    return (
        select(Team)
        .where(Team.project_id == project.id)
        .options(selectinload(Team.members))
        .order_by(Team.name, Team.id)
    )


def projects_for(user: User) -> list[Project]:
    """The projects a user works on: trainees the published ones of their cohorts, instructors their
    cohorts'."""
    return list(db.session.scalars(projects_query(user)))


def projects_query(user: User):
    """:func:`projects_for` as a ``select`` (newest due first, cohort and programme loaded), to paginate."""
    # selectinload, not a join: a deep page's OFFSET then walks the due-date index alone (42,000 projects).
    stmt = (
        select(Project)
        .options(selectinload(Project.cohort).selectinload(Cohort.programme))
        .order_by(Project.due_at.desc(), Project.id.desc())
    )
    if user.role is Role.ADMIN:
        return stmt
    if user.role is Role.INSTRUCTOR:
        return stmt.join(CohortInstructor, CohortInstructor.cohort_id == Project.cohort_id).where(
            CohortInstructor.user_id == user.id
        )
    if user.role is Role.TRAINEE:
        return stmt.join(Enrolment, Enrolment.cohort_id == Project.cohort_id).where(
            Enrolment.user_id == user.id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Project.status == ProjectStatus.PUBLISHED,
        )
    return stmt.where(false())
