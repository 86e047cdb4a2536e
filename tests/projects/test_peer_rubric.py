"""A peer rubric of its own (issue 21's set-up choice "the project's, or a simpler peer rubric"): chosen
from the instructor's rubric library on the settings page and in the API (a PATCH without it keeps it),
refused once reviews or examples exist, read by every peer path (reviews, calibration, grades, the pages),
with the peer grade still on the project's scale; and "share out the reviews" asks first."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from lms.db import utcnow
from projects.common import ProjectError
from projects.peer import calibration, grades
from projects.peer import rubric as peer_rubric
from projects.peer import services as peer
from projects.peer.models import PeerReview, PeerSettings
from tests.fixtures.projects import ready_assessment
from tests.lms import test_migrations
from tests.lms.test_bilingual_names import _insert
from tests.projects.test_api import bearer
from tests.projects.test_peer import RUBRIC as PEER_RUBRIC
from tests.projects.test_peer import marks, review_all

#: The project's own rubric: five criteria of 10 points each (none of them the peer rubric's).
PROJECT_RUBRIC = {
    "criteria": [
        {
            "id": f"p{n}",
            "title_en": f"Part {n}",
            "levels": [
                {"id": "none", "name_en": "None", "points": 0},
                {"id": "full", "name_en": "Full", "points": 10},
            ],
        }
        for n in range(1, 6)
    ]
}
FULL = {f"p{n}": {"level_id": "full"} for n in range(1, 6)}
BEFORE, MIGRATION = "b1e1c2d3e4f5", "b1f1c2d3e4f5"

#: The test app with its tables dropped, so migrations start from nothing.
empty_app = test_migrations.empty_app


@pytest.fixture
def two_rubrics(db, make_user, make_cohort):
    """Six trainees on a project marked out of 50 with a 5-criterion rubric; a 2-criterion peer rubric in the
    shared library; a rubric of a programme the instructor does not teach."""
    from projects.coursework import services, submissions
    from projects.grading import rubrics

    instructor = make_user("instructor", locale="en")
    other_instructor = make_user("instructor", locale="en")
    trainees = [make_user("trainee", locale="en") for _ in range(6)]
    cohort = make_cohort(instructors=[instructor], trainees=trainees)
    elsewhere = make_cohort(instructors=[other_instructor])
    own = rubrics.create_rubric(
        programme_id=None, title_ko="프로젝트", title_en="Project", data=PROJECT_RUBRIC, by=instructor
    )
    simple = rubrics.create_rubric(
        programme_id=None, title_ko="동료", title_en="Simple", data=PEER_RUBRIC, by=instructor
    )
    foreign = rubrics.create_rubric(
        programme_id=elsewhere.programme_id,
        title_ko="남",
        title_en="Foreign",
        data=PEER_RUBRIC,
        by=other_instructor,
    )
    project = services.create_project(
        cohort,
        instructor,
        title_en="Film",
        title_ko="영상",
        due_at=utcnow() + timedelta(days=3),
        max_grade=50,
    )
    services.save_deliverable(project, name_en="Note", kind="text")
    services.publish_project(project)
    rubrics.attach(project, own.latest)

    def hand_in(trainee):
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text=f"work of {trainee.name}")
        submissions.save_declarations(submission, ai_used=False)
        submissions.submit(submission, trainee, statement_accepted=True)
        return submission

    db.session.commit()
    return {
        "project": project,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "trainees": trainees,
        "hand_in": hand_in,
        "own": own.latest,
        "simple": simple.latest,
        "foreign": foreign.latest,
    }


SETTINGS_FORM = {
    "enabled": "y",
    "reviews_each": "2",
    "anonymous_authors": "y",
    "method": "median",
    "strictness": "fair",
    "peer_weight": "1",
    "self_weight": "0",
    "instructor_weight": "1",
    "agreement": "70",
}


def test_the_peer_rubric_is_read_everywhere_and_a_project_without_a_rubric_may_use_one(db, two_rubrics):
    project, teacher, simple = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["simple"]
    peer.configure(project, teacher, enabled=True)
    assert [c.id for c in peer.rubric_of(project).criteria] == ["p1", "p2", "p3", "p4", "p5"]  # the default
    assert not peer_rubric.own_rubric(project)
    peer.configure(project, teacher, rubric_version_id=simple.id)
    assert [c.id for c in peer.rubric_of(project).criteria] == ["story", "craft"]
    assert peer_rubric.rubric_version_of(project) is simple and peer_rubric.own_rubric(project)

    project.rubric_version_id = None  # no rubric of its own: the peer rubric is enough
    db.session.flush()
    assert [c.id for c in peer.rubric_of(project).criteria] == ["story", "craft"]
    peer.configure(project, teacher, rubric_version_id=None)
    with pytest.raises(ProjectError) as refused:
        peer.rubric_of(project)
    assert refused.value.code == "peer_needs_rubric"


def test_only_a_rubric_of_the_instructors_library_is_taken(db, two_rubrics):
    project, teacher = two_rubrics["project"], two_rubrics["instructor"]
    for wanted in (two_rubrics["foreign"].id, 999_999):
        with pytest.raises(ProjectError) as refused:
            peer.configure(project, teacher, enabled=True, rubric_version_id=wanted)
        assert refused.value.code == "peer_rubric_unknown"
    for bad in ("two", True):
        with pytest.raises(ProjectError) as refused:
            peer.configure(project, teacher, rubric_version_id=bad)
        assert refused.value.code == "peer_bad_setting"
    # The other programme's instructor could choose theirs; once chosen, the project's instructor may save
    # the settings again without it being refused.
    db.session.add(PeerSettings(project_id=project.id, rubric_version_id=two_rubrics["foreign"].id))
    db.session.flush()
    settings = peer.configure(project, teacher, reviews_each=4, rubric_version_id=two_rubrics["foreign"].id)
    assert settings.reviews_each == 4 and settings.rubric_version_id == two_rubrics["foreign"].id


def test_the_settings_page_chooses_shows_and_keeps_the_peer_rubric(db, app, login, two_rubrics):
    project, teacher, simple = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["simple"]
    client = login(teacher, c=app.test_client())
    url = f"/projects/{project.id}/peer"
    page = client.get(url).get_data(as_text=True)
    assert "The project&#39;s rubric: Project (version 1)" in page
    assert f'<option value="{simple.id}">Simple (version 1)</option>' in page
    assert "Foreign" not in page  # not in this instructor's library

    saved = client.post(url, data={**SETTINGS_FORM, "rubric_version_id": str(simple.id)})
    assert saved.status_code == 302
    settings = peer.settings_for(project)
    assert settings.rubric_version_id == simple.id
    page = client.get(url).get_data(as_text=True)
    assert "Reviewers mark with the peer rubric “Simple”, version 1." in page and "It has 2 criteria." in page
    assert "The peer grade is still out of 50." in page
    assert f'<option selected value="{simple.id}">' in page

    # A form without the field (an older page) keeps the rubric; another library's rubric is refused.
    assert client.post(url, data={**SETTINGS_FORM, "reviews_each": "3"}).status_code == 302
    db.session.refresh(settings)
    assert (settings.reviews_each, settings.rubric_version_id) == (3, simple.id)
    refused = client.post(url, data={**SETTINGS_FORM, "rubric_version_id": str(two_rubrics["foreign"].id)})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(settings)
    assert settings.rubric_version_id == simple.id

    # Back to the project's rubric.
    assert client.post(url, data={**SETTINGS_FORM, "rubric_version_id": ""}).status_code == 302
    db.session.refresh(settings)
    assert settings.rubric_version_id is None
    page = client.get(url).get_data(as_text=True)
    assert "Reviewers mark with the project" in page and "s rubric “Project”, version 1." in page


def test_the_settings_api_shows_the_rubric_and_a_patch_without_it_keeps_it(client, db, two_rubrics):
    project, teacher, simple = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["simple"]
    url = f"/api/v1/projects/{project.id}/peer"
    staff = bearer(db, teacher, "read write")
    assert client.get(url, headers=staff).status_code == 404  # not set up yet

    first = client.patch(url, json={"enabled": True, "reviews_each": 2}, headers=staff)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["rubric_version_id"] is None
    assert body["rubric"] == {
        "version_id": two_rubrics["own"].id,
        "rubric_id": two_rubrics["own"].rubric_id,
        "title": "Project",
        "number": 1,
        "criteria": 5,
        "own": False,
    }

    chosen = client.patch(url, json={"rubric_version_id": simple.id}, headers=staff)
    assert chosen.status_code == 200 and chosen.get_json()["rubric"]["own"] is True
    assert chosen.get_json()["rubric"]["criteria"] == 2
    kept = client.patch(url, json={"reviews_each": 3, "strictness": "strict"}, headers=staff)
    assert kept.status_code == 200
    assert kept.get_json()["rubric_version_id"] == simple.id and kept.get_json()["reviews_each"] == 3
    assert client.get(url, headers=staff).get_json()["rubric"]["title"] == "Simple"

    foreign = client.patch(url, json={"rubric_version_id": two_rubrics["foreign"].id}, headers=staff)
    assert (
        foreign.status_code == 422
        and foreign.get_json()["message"] == "Choose a rubric from your rubric library."
    )
    assert client.patch(url, json={"rubric_version_id": "x"}, headers=staff).status_code == 422
    assert client.patch(url, json={"reviews_each": 11}, headers=staff).status_code == 422
    for outsider in (two_rubrics["trainees"][0], two_rubrics["other_instructor"]):
        refused = client.patch(
            url, json={"rubric_version_id": None}, headers=bearer(db, outsider, "read write")
        )
        assert refused.status_code == 404
    db.session.expire_all()
    assert peer.settings_for(project).rubric_version_id == simple.id

    cleared = client.patch(url, json={"rubric_version_id": None}, headers=staff)
    assert cleared.status_code == 200 and cleared.get_json()["rubric"]["own"] is False


def test_the_rubric_cannot_change_once_reviews_or_examples_exist(db, app, login, client, two_rubrics):
    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    simple, own = two_rubrics["simple"], two_rubrics["own"]
    for trainee in people[:3]:
        two_rubrics["hand_in"](trainee)
    peer.configure(project, teacher, enabled=True, reviews_each=2, rubric_version_id=simple.id)
    peer.allocate_reviews(project, teacher, seed=4)  # allocated, none handed in yet: locked already
    db.session.commit()
    for change in (None, own.id):
        with pytest.raises(ProjectError) as refused:
            peer.configure(project, teacher, reviews_each=3, rubric_version_id=change)
        assert refused.value.code == "peer_rubric_locked"
    settings = peer.settings_for(project)
    assert (settings.reviews_each, settings.rubric_version_id) == (2, simple.id)
    # The same rubric again is no change; every other setting may still change.
    assert peer.configure(project, teacher, reviews_each=3, rubric_version_id=simple.id).reviews_each == 3
    db.session.commit()

    # The page says why and keeps everything typed; nothing is saved.
    web = login(teacher, c=app.test_client())
    typed = {**SETTINGS_FORM, "reviews_each": "5", "agreement": "55", "rubric_version_id": ""}
    page = web.post(f"/projects/{project.id}/peer", data=typed)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The peer rubric cannot change now. Reviews or examples already use its criteria." in html
    assert re.search(r'<input[^>]*name="reviews_each"[^>]*value="5"', html)  # what was typed stays
    assert re.search(r'<input[^>]*name="agreement"[^>]*value="55"', html)
    assert re.search(r'<option selected value="">', html)  # the choice that was refused, too
    assert "Reviews or examples exist, so the peer rubric stays as it is." in html
    db.session.expire_all()
    settings = peer.settings_for(project)
    assert (settings.reviews_each, settings.agreement, settings.rubric_version_id) == (
        3,
        Decimal(70),
        simple.id,
    )

    refused = client.patch(
        f"/api/v1/projects/{project.id}/peer",
        json={"rubric_version_id": None, "reviews_each": 4},
        headers=bearer(db, teacher, "read write"),
    )
    assert refused.status_code == 422
    assert (
        refused.get_json()["message"]
        == "The peer rubric cannot change now. Reviews or examples already use its criteria."
    )
    db.session.expire_all()
    assert peer.settings_for(project).reviews_each == 3


def test_an_example_alone_locks_the_rubric_and_a_grade_on_the_other_rubric_is_no_example(db, two_rubrics):
    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    work = two_rubrics["hand_in"](people[5])
    peer.configure(project, teacher, enabled=True, rubric_version_id=two_rubrics["simple"].id)
    ready_assessment(work, teacher, FULL)  # marked on the project's five criteria
    with pytest.raises(ProjectError) as refused:
        calibration.example_from_grade(project, work, teacher)
    assert refused.value.code == "peer_example_other_rubric"
    calibration.add_example(project, work, marks("good", 6), teacher)  # the peer rubric's marks
    with pytest.raises(ProjectError) as locked:
        peer.configure(project, teacher, rubric_version_id=None)
    assert locked.value.code == "peer_rubric_locked"


def test_two_peer_criteria_give_the_grade_on_the_projects_scale_in_the_gradebook_and_csv(
    db, app, login, two_rubrics
):
    from projects.grading import services as marking

    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    works = [two_rubrics["hand_in"](t) for t in people[:3]]
    peer.configure(
        project,
        teacher,
        enabled=True,
        reviews_each=2,
        peer_weight="1",
        instructor_weight="1",
        rubric_version_id=two_rubrics["simple"].id,
    )
    peer.allocate_reviews(project, teacher, seed=6)
    review_all(project, people[:3], marks("good", 7))  # 5 + 7 of the peer rubric's 20 points: 60 %
    grades.score_assessing(project)
    assessment = ready_assessment(works[0], teacher, FULL)  # 50 of 50 on the project's rubric
    with app.test_request_context("/"):
        marking.release([assessment], teacher)
    db.session.commit()

    result = grades.peer_result(works[0])
    assert result.points == {"story": Decimal(5), "craft": Decimal(7)}
    assert result.grade == Decimal(30) and result.final == Decimal(30)  # 60 % of the project's 50

    client = login(teacher, c=app.test_client())
    page = client.get(f"/projects/cohorts/{project.cohort_id}/gradebook").get_data(as_text=True)
    assert page.count("Peer grade: 30") == 3
    assert page.count("Assessing grade: 100") == 3  # everyone agreed, on the peer rubric's criteria
    sheet = client.get(f"/projects/cohorts/{project.cohort_id}/gradebook.csv").get_data(as_text=True)
    header, *rows = [line.split(",") for line in sheet.strip().splitlines()]
    assert header[2:6] == ["Film", "Film: Peer grade", "Film: Assessing grade", "Film: Weighted grade"]
    by_email = {row[1]: row for row in rows}
    assert by_email[people[0].email][2:6] == ["50", "30", "100", "40"]  # (30 + 50) / 2
    assert by_email[people[1].email][2:6] == ["", "30", "100", "30"]  # no released grade: the peer grade
    assert by_email[people[4].email][3:6] == ["", "", ""]


def test_review_practice_and_received_pages_show_the_peer_rubrics_criteria(db, app, login, two_rubrics):
    from projects.grading import services as marking

    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    works = [two_rubrics["hand_in"](t) for t in people[:3]]
    example_work = two_rubrics["hand_in"](people[5])
    project.rubric_version_id = None  # the project has no rubric of its own
    peer.configure(project, teacher, enabled=True, reviews_each=2, rubric_version_id=two_rubrics["simple"].id)
    example = calibration.add_example(project, example_work, marks("good", 6), teacher)
    db.session.commit()

    reviewer = people[0]
    client = login(reviewer, c=app.test_client())
    practice = client.get(f"/projects/{project.id}/peer/examples/{example.id}").get_data(as_text=True)
    assert 'name="level-story"' in practice and 'name="level-p1"' not in practice
    compared = client.post(
        f"/projects/{project.id}/peer/examples/{example.id}",
        data={"level-story": "good", "level-craft": "range", "points-craft": "6"},
    ).get_data(as_text=True)
    assert "Agreement: 100" in compared and "<td>Story</td>" in compared
    for person in people[1:3]:
        calibration.calibrate(example, person, marks("good", 6))
    peer.allocate_reviews(project, teacher, seed=2)
    db.session.commit()

    review = peer.reviews_by(project, reviewer)[0]
    screen = client.get(f"/projects/{project.id}/peer/reviews/{review.id}").get_data(as_text=True)
    assert 'name="level-story"' in screen and 'name="points-craft"' in screen and "Part 1" not in screen
    done = client.post(
        f"/projects/{project.id}/peer/reviews/{review.id}",
        data={"version": review.version, "level-story": "great", "level-craft": "range", "points-craft": "8"},
    )
    assert done.status_code == 302
    db.session.refresh(review)
    assert review.marks["story"]["level_id"] == "great"
    review_all(project, people[1:3], marks("good", 6))

    # The author reads the reviews, by the peer rubric, once the grade is released.
    author = db.session.get(type(works[0]), review.submission_id).user
    project.rubric_version_id = two_rubrics["own"].id  # graded on the project's rubric meanwhile
    assessment = ready_assessment(db.session.get(type(works[0]), review.submission_id), teacher, FULL)
    with app.test_request_context("/"):
        marking.release([assessment], teacher)
    db.session.commit()
    received = login(author, c=app.test_client()).get(f"/projects/{project.id}/peer/reviews")
    html = received.get_data(as_text=True)
    assert "Story: Great" in html and "Story: Good" in html and "Craft:" in html
    assert "Part 1" not in html


def test_sharing_out_asks_first_and_only_a_confirmed_post_allocates(db, app, login, two_rubrics):
    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    for trainee in people[:4]:
        two_rubrics["hand_in"](trainee)
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    db.session.commit()
    client = login(teacher, c=app.test_client())
    url = f"/projects/{project.id}/peer/allocate"

    def shared() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(PeerReview.id)).where(PeerReview.project_id == project.id))

    setup = client.get(f"/projects/{project.id}/peer").get_data(as_text=True)
    assert f'href="{url}">Share out the reviews</a>' in setup  # a link to the question, not an action
    asked = client.get(url)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and shared() == 0
    assert "Share out the reviews now?" in page
    assert "4 works are handed in." in page and "4 trainees review." in page
    assert "Each reviewer gets up to 2 works." in page and "Late hand-ins join later" in page
    assert 'name="confirmed" value="1"' in page
    assert client.post(url).status_code == 200 and shared() == 0  # not confirmed: the question again

    done = client.post(url, data={"confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/projects/{project.id}/peer")
    assert shared() == 8

    # A late hand-in: the question says it joins in a new round.
    two_rubrics["hand_in"](people[4])
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert (
        "8 reviews are shared out already. They stay." in page and "1 late work joins in a new round." in page
    )

    # CSRF as everywhere: a confirmed POST without the form's token changes nothing.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(url, data={"confirmed": "1"}).status_code == 400  # the app's answer to a bad token
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert shared() == 8

    # Peer review off: nothing to ask, back to the settings with the reason.
    peer.configure(project, teacher, enabled=False)
    db.session.commit()
    off = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Peer review is not turned on for this project." in off


def test_a_library_rubric_used_for_peer_review_stays_in_the_library(db, two_rubrics):
    from projects.grading import rubrics
    from projects.grading.models import Rubric

    project, teacher, simple = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["simple"]
    peer.configure(project, teacher, enabled=True, rubric_version_id=simple.id)
    with pytest.raises(ProjectError) as refused:
        rubrics.delete_rubric(db.session.get(Rubric, simple.rubric_id))
    assert refused.value.code == "rubric_in_use"
    peer.configure(project, teacher, rubric_version_id=None)
    rubrics.delete_rubric(db.session.get(Rubric, simple.rubric_id))  # no longer used: it goes


def test_the_migration_adds_the_peer_rubric_column_and_takes_it_away(empty_app, db):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        programme = _insert(conn, "programmes", code="P1", name_ko="과정", name_en="Programme")
        cohort = _insert(conn, "cohorts", programme_id=programme, code="2026-2")
        project = _insert(conn, "projects_projects", cohort_id=cohort, title_en="Film", title_ko="영상")
        _insert(conn, "projects_peer_settings", project_id=project, reviews_each=4, enabled=True)
    assert "rubric_version_id" not in {
        c["name"] for c in inspect(db.engine).get_columns("projects_peer_settings")
    }

    upgrade(revision=MIGRATION)
    inspector = inspect(db.engine)
    column = next(
        c for c in inspector.get_columns("projects_peer_settings") if c["name"] == "rubric_version_id"
    )
    assert column["nullable"] is True
    (key,) = [
        fk
        for fk in inspector.get_foreign_keys("projects_peer_settings")
        if fk["referred_table"] != "projects_projects"
    ]
    assert (key["constrained_columns"], key["referred_table"], key["referred_columns"]) == (
        ["rubric_version_id"],
        "projects_rubric_versions",
        ["id"],
    )
    # The convention's name (PostgreSQL keeps 63 characters: SQLAlchemy cuts it with a hash there, as the
    # models' metadata does).
    assert key["name"].startswith("fk_projects_peer_settings_rubric_version_id_projects_ru")
    assert key["options"].get("ondelete") == "RESTRICT"
    (project_key,) = [
        fk
        for fk in inspector.get_foreign_keys("projects_peer_settings")
        if fk["referred_table"] == "projects_projects"
    ]
    assert project_key["options"].get("ondelete") == "CASCADE"  # kept through SQLite's table rebuild
    checks = {c["name"] for c in inspector.get_check_constraints("projects_peer_settings")}
    assert "ck_projects_peer_settings_reviews_each_range" in checks  # the rebuilt table keeps its checks
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT reviews_each, rubric_version_id FROM projects_peer_settings")).one()
    assert tuple(row) == (4, None)  # the round keeps the project's rubric

    downgrade(revision=BEFORE)
    inspector = inspect(db.engine)
    assert "rubric_version_id" not in {c["name"] for c in inspector.get_columns("projects_peer_settings")}
    assert not [
        fk
        for fk in inspector.get_foreign_keys("projects_peer_settings")
        if fk["referred_table"] == "projects_rubric_versions"
    ]
    assert "ck_projects_peer_settings_reviews_each_range" in {
        c["name"] for c in inspector.get_check_constraints("projects_peer_settings")
    }
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT reviews_each FROM projects_peer_settings")).scalar_one() == 4


def test_a_new_project_rubric_leaves_peer_marks_on_their_old_rubric(db, app, login, two_rubrics):
    """Choosing another rubric for the project (grading's page) once peer reviews exist: peer review keeps
    the old version as its own rubric, so the reviews' marks still fit their criteria. Before any peer mark,
    peer review follows the project."""
    from projects.grading import rubrics

    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]
    own, simple = two_rubrics["own"], two_rubrics["simple"]
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    for trainee in people[:3]:
        two_rubrics["hand_in"](trainee)
    db.session.commit()
    rubrics.attach(project, simple)  # no peer mark yet: peer review follows the project
    assert peer.settings_for(project).rubric_version_id is None
    assert [c.id for c in peer.rubric_of(project).criteria] == ["story", "craft"]
    rubrics.attach(project, own)
    peer.allocate_reviews(project, teacher, seed=2)
    db.session.commit()

    web = login(teacher, c=app.test_client())
    answer = web.post(f"/projects/{project.id}/rubric", data={"rubric_id": simple.rubric_id})
    assert answer.status_code == 302
    db.session.expire_all()
    assert project.rubric_version_id == simple.id  # the project is graded with the new rubric
    assert peer.settings_for(project).rubric_version_id == own.id  # peer review keeps the old one
    assert [c.id for c in peer.rubric_of(project).criteria] == ["p1", "p2", "p3", "p4", "p5"]
    page = web.get(f"/projects/{project.id}/peer").get_data(as_text=True)
    assert "Reviews or examples exist, so the peer rubric stays as it is." in page
    # The old version is in use now: its rubric stays in the library.
    with pytest.raises(ProjectError) as refused:
        rubrics.delete_rubric(own.rubric)
    assert refused.value.code == "rubric_in_use"
