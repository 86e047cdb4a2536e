"""``lms demo --scale``: the bulk generator, at its small size (the same code fills the national set)."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.programmes.models import Cohort, Enrolment, Programme
from lms.scale import CODE_PREFIX, EMAIL_DOMAIN, SCALES
from lms.users.models import Role, User

SMALL = SCALES["small"]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _generated(role: Role):
    return select(User).where(User.role == role, User.email.like(f"%@{EMAIL_DOMAIN}"))


def test_small_scale_fills_every_table_consistently(runner, app):
    from media.models import MediaFile
    from media.services import get_storage
    from projects.coursework.models import (
        Attempt,
        AttemptItem,
        DraftItem,
        Project,
        Submission,
        Team,
        TeamMember,
    )
    from projects.grading.models import Assessment

    result = runner.invoke(args=["demo", "--scale", "small"])
    assert result.exit_code == 0, result.output
    assert "Loaded the small data set" in result.output and "admin@demo.gongbang.kr" in result.output
    trainees = db.session.scalars(_generated(Role.TRAINEE)).all()
    instructors = db.session.scalars(_generated(Role.INSTRUCTOR)).all()
    assert len(trainees) == SMALL.trainees and len(instructors) == SMALL.instructors
    # One argon2 hash computed once and shared, and it is the demo password's.
    assert len({u.password_hash for u in trainees + instructors}) == 1
    cohorts = db.session.scalars(
        select(Cohort).join(Programme).where(Programme.code.like(f"{CODE_PREFIX}%"))
    ).all()
    assert len(cohorts) == SMALL.cohorts
    assert _count(Programme, Programme.code.like(f"{CODE_PREFIX}%")) == SMALL.programmes
    per_cohort = SMALL.trainees // SMALL.cohorts
    for cohort in cohorts:
        assert _count(Enrolment, Enrolment.cohort_id == cohort.id) == per_cohort
        assert len(cohort.instructors) == 1
    national = Project.cohort_id.in_([c.id for c in cohorts])
    assert _count(Project, national) == SMALL.cohorts * (SMALL.projects_per_cohort + 1)
    # The ordinary demo loads first and has hand-ins of its own: count only the generated projects' rows.
    ours = Submission.project_id.in_(select(Project.id).where(national))
    team_ids = select(Team.id).where(Team.project_id.in_(select(Project.id).where(national)))
    teams = -(-per_cohort // SMALL.team_size) * SMALL.cohorts
    assert _count(Team, Team.id.in_(team_ids)) == teams
    assert _count(TeamMember, TeamMember.team_id.in_(team_ids)) == SMALL.trainees
    individual = _count(Submission, ours, Submission.user_id.is_not(None))
    assert (
        individual == SMALL.submissions and _count(Submission, ours, Submission.team_id.is_not(None)) == teams
    )
    # Every hand-in is complete: one attempt, its item, its draft item and an accepted file that exists.
    handed_in = _count(Submission, ours, Submission.attempt_count == 1)
    assert handed_in > 0 and _count(Submission, ours, Submission.status == "submitted") == handed_in
    our_attempts = select(Attempt.id).join(Submission).where(ours)
    assert _count(Attempt, Attempt.id.in_(our_attempts)) == handed_in
    assert _count(AttemptItem, AttemptItem.attempt_id.in_(our_attempts)) == handed_in
    assert _count(DraftItem, DraftItem.submission_id.in_(select(Submission.id).where(ours))) == handed_in
    our_media = select(AttemptItem.media_id).where(AttemptItem.attempt_id.in_(our_attempts))
    orphans = (
        select(func.count())
        .select_from(Submission)
        .where(
            ours,
            Submission.attempt_count == 1,
            ~select(Attempt.id).where(Attempt.submission_id == Submission.id).exists(),
        )
    )
    assert db.session.scalar(orphans) == 0
    storage = get_storage()
    keys = set(
        db.session.scalars(select(MediaFile.storage_key).where(MediaFile.id.in_(our_media)).distinct())
    )
    assert 1 <= len(keys) <= 3 and all(storage.exists(key) for key in keys)
    graded = db.session.scalars(select(Assessment).join(Submission).where(ours)).all()
    assert graded and all(a.grade is not None and a.marks for a in graded)


def test_second_run_and_if_empty_add_nothing_and_ids_continue(runner, app):
    assert runner.invoke(args=["demo", "--scale", "small"]).exit_code == 0
    before = _count(User)
    again = runner.invoke(args=["demo", "--scale", "small"])
    assert again.exit_code == 0 and "already there" in again.output
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    assert _count(User) == before
    # The explicit ids moved the sequences on (PostgreSQL): an ordinary insert still works afterwards.
    from lms.users import services

    user = services.create_user(
        email="after@example.org", name="After", role=Role.TRAINEE, created_by=None, invite=False
    )
    db.session.commit()
    assert user.id > max(db.session.scalars(select(User.id).where(User.id != user.id)))


def test_generated_people_sign_in_and_their_pages_work(runner, app, login):
    from projects.coursework.models import Project

    assert runner.invoke(args=["demo", "--scale", "small"]).exit_code == 0
    teacher = db.session.scalar(_generated(Role.INSTRUCTOR).order_by(User.id))
    trainee = db.session.scalar(_generated(Role.TRAINEE).order_by(User.id))
    staff = login(teacher, password="workshop-demo-2026", c=app.test_client())
    project = db.session.scalar(
        select(Project)
        .join(Cohort)
        .where(Cohort.id.in_([c.id for c in db.session.scalars(select(Cohort))]))
        .where(Project.created_by_id == teacher.id)
        .order_by(Project.due_at)
    )
    listing = staff.get(f"/projects/{project.id}/submissions")
    assert listing.status_code == 200
    names = db.session.scalars(
        select(User.name).join(Enrolment).where(Enrolment.cohort_id == project.cohort_id)
    )
    body = listing.get_data(as_text=True)
    assert all(name in body for name in names)
    assert staff.get(f"/projects/cohorts/{project.cohort_id}/gradebook").status_code == 200
    own = login(trainee, password="workshop-demo-2026", c=app.test_client())
    for path in ("/dashboard", "/projects/", "/media/", "/notifications"):
        assert own.get(path).status_code == 200, path
