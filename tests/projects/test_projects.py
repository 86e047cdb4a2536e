"""Instructors write, publish, copy and staff projects; only the right people see them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lms.db import utcnow
from projects.common import ProjectError
from projects.coursework import services
from projects.coursework.models import Deliverable, Project, ProjectStatus


def test_instructor_creates_a_project_with_dates_in_their_time_zone(client, login, course, db):
    login(course["instructor"])
    cohort = course["cohort"]
    assert cohort.name in client.get("/projects/new").get_data(as_text=True)
    r = client.post(
        f"/projects/new?cohort_id={cohort.id}",
        data={
            "title_ko": "브랜드 영상",
            "title_en": "Brand film",
            "brief_ko": "# 과제\n\n**30초** 영상",
            "brief_en": "Make a <script>alert(1)</script> film",
            "outcomes": "Editing\nColour grading",
            "due_at": "2026-12-10T18:00",
            "cutoff_at": "2026-12-12T18:00",
            "max_attempts": "3",
        },
    )
    assert r.status_code == 302
    project = db.session.query(Project).one()
    # Entered in Seoul time (the default zone), stored in UTC.
    assert project.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert project.status is ProjectStatus.DRAFT and project.outcome_list == ["Editing", "Colour grading"]
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<strong>30초</strong>" in page and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page  # shown as text, never run


def test_dates_must_be_in_order(client, login, course, db):
    login(course["instructor"])
    r = client.post(
        f"/projects/new?cohort_id={course['cohort'].id}",
        data={"title_en": "X", "due_at": "2026-12-10T18:00", "cutoff_at": "2026-12-01T18:00"},
    )
    assert r.status_code == 200 and "The cut-off must not be before the due date." in r.get_data(as_text=True)
    assert db.session.query(Project).count() == 0


def test_deliverable_spec_and_publishing(client, login, course, db, make_project):
    project = make_project(deliverables=[], published=False)
    login(course["instructor"])
    r = client.post(f"/projects/{project.id}/publish", follow_redirects=True)
    assert "Add at least one deliverable before publishing." in r.get_data(as_text=True)
    r = client.post(
        f"/projects/{project.id}/deliverables/new",
        data={
            "name_en": "Final cut",
            "name_ko": "최종본",
            "kind": "video",
            "required": "y",
            "min_duration": "30",
            "max_duration": "180",
            "min_width": "1280",
            "min_height": "720",
            "max_size_mb": "2000",
            "require_audio": "y",
        },
    )
    assert r.status_code == 302
    deliverable = db.session.query(Deliverable).one()
    assert deliverable.media_spec == {
        "kinds": ["video"],
        "min_duration": 30.0,
        "max_duration": 180.0,
        "min_width": 1280,
        "min_height": 720,
        "require_audio": True,
        "max_size_bytes": 2_000_000_000,
    }
    r = client.post(
        f"/projects/{project.id}/deliverables/new",
        data={"name_en": "Bad", "kind": "video", "min_duration": "200", "max_duration": "100"},
        follow_redirects=True,
    )
    assert "The smallest length is larger than the largest." in r.get_data(as_text=True)
    assert db.session.query(Deliverable).count() == 1
    client.post(f"/projects/{project.id}/publish", data={"confirmed": "1"})
    db.session.refresh(project)
    assert project.published and project.published_at is not None


@pytest.mark.parametrize("value", ["nan", "sNaN", "inf", "-Infinity", "1e400", "1e30"])
@pytest.mark.parametrize("name", ["min_duration", "max_size_mb"])
def test_numbers_no_float_holds_are_refused_in_the_deliverable_form(
    client, login, course, db, make_project, name, value
):
    project = make_project(deliverables=[], published=False)
    login(course["instructor"])
    r = client.post(
        f"/projects/{project.id}/deliverables/new",
        data={"name_en": "Film", "kind": "video", name: value},
        headers={"Accept-Language": "en"},
    )
    # sNaN was a 500 (NumberRange compares it); inf and 1e400 were stored and broke strict JSON later.
    assert r.status_code == 200 and "Deliverable" not in r.headers.get("Location", "")
    assert db.session.query(Deliverable).count() == 0


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_dates_no_utc_time_holds_are_refused(client, login, course, db, when):
    login(course["instructor"])
    # 0001-01-01 in Seoul is before year 1 in UTC (an OverflowError, a 500, before); the user's zone decides.
    r = client.post(
        f"/projects/new?cohort_id={course['cohort'].id}",
        data={"title_en": "X", "due_at": when},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code in (200, 302)
    assert r.status_code == 200 or db.session.query(Project).one().due_at.year == 9999


def test_trainees_see_published_projects_of_their_cohort_only(
    client, login, course, make_user, make_cohort, make_project, app
):
    published = make_project()
    draft = make_project(published=False, title_en="Secret draft")
    login(course["trainees"][0])
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Brand film" in dashboard and "Secret draft" not in dashboard
    assert client.get(f"/projects/{published.id}").status_code == 200
    assert client.get(f"/projects/{draft.id}").status_code == 404
    assert client.get(f"/projects/{published.id}/edit").status_code == 404
    outsider = app.test_client()
    login(make_user("trainee"), c=outsider)
    assert outsider.get(f"/projects/{published.id}").status_code == 404
    other_instructor = app.test_client()
    login(make_user("instructor"), c=other_instructor)
    for path in ("", "/edit", "/submissions", "/submissions.zip", "/teams", "/extensions"):
        assert other_instructor.get(f"/projects/{published.id}{path}").status_code == 404, path


def test_copy_moves_dates_with_the_cohort(course, make_cohort, make_project, db):
    project = make_project(cutoff_at=utcnow() + timedelta(days=9))
    later = make_cohort(
        programme=course["cohort"].programme,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 8, 1),
        instructors=[course["instructor"]],
    )
    copy = services.copy_project(project, later, course["instructor"])
    db.session.commit()
    gap = later.start_date - course["cohort"].start_date
    assert copy.status is ProjectStatus.DRAFT and copy.copied_from_id == project.id
    assert copy.due_at - project.due_at == gap and copy.cutoff_at - project.cutoff_at == gap
    assert [d.name for d in copy.deliverables] == ["Final cut"] and copy.deliverables[
        0
    ].id != project.deliverables[0].id


def test_copy_through_the_screen(client, login, course, make_project, db):
    project = make_project()
    login(course["instructor"])
    r = client.post(f"/projects/{project.id}/copy", data={"cohort_id": course["cohort"].id})
    assert r.status_code == 302 and db.session.query(Project).count() == 2


def test_teams_hold_each_trainee_once(course, make_project, make_user, db):
    project = make_project(team_mode=True)
    a, b, c = course["trainees"]
    team = services.save_team(project, "Team A", [a, b])
    with pytest.raises(ProjectError) as err:
        services.save_team(project, "Team B", [b, c])
    assert err.value.code == "already_in_team"
    with pytest.raises(ProjectError) as err:
        services.save_team(project, "Team C", [make_user("trainee")])
    assert err.value.code == "not_enrolled"
    services.save_team(project, "Team A", [a], team=team)
    db.session.commit()
    assert [u.id for u in team.members] == [a.id]
    assert services.team_of(project, b) is None


def test_extension_moves_dates_for_one_trainee_and_is_kept_in_history(
    client, login, course, make_project, db
):
    project = make_project(due_at=utcnow() - timedelta(days=1), cutoff_at=utcnow() - timedelta(hours=1))
    lucky, other = course["trainees"][:2]
    login(course["instructor"])
    r = client.post(
        f"/projects/{project.id}/extensions",
        data={
            "target": f"user:{lucky.id}",
            "due_at": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Hospital visit",
        },
    )
    assert r.status_code == 302
    assert services.dates_for(project, lucky).is_closed(utcnow()) is False
    assert services.dates_for(project, other).is_closed(utcnow()) is True
    assert "Hospital visit" in client.get(f"/projects/{project.id}/extensions").get_data(as_text=True)
    r = client.post(
        f"/projects/{project.id}/extensions",
        data={"target": f"user:{lucky.id}", "due_at": "2026-12-01T10:00", "reason": ""},
    )
    assert r.status_code == 200 and len(services.extensions_for(project)) == 1


def test_nothing_of_another_project_through_this_projects_urls(client, login, course, make_project, db):
    mine, theirs = make_project(), make_project(title_en="Other")
    login(course["instructor"])
    other_deliverable = theirs.deliverables[0].id
    assert client.get(f"/projects/{mine.id}/deliverables/{other_deliverable}/edit").status_code == 404
    assert client.post(f"/projects/{mine.id}/deliverables/{other_deliverable}/delete").status_code == 404
    assert db.session.get(Deliverable, other_deliverable) is not None
