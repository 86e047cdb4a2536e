"""Rubrics, grading, conflict-safe saves, release and the gradebook."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from lms.db import utcnow
from lms.notifications.models import Notification
from projects.common import ProjectError
from projects.coursework import submissions
from projects.grading import comments, rubrics
from projects.grading import services as marking
from projects.grading.gradebook import cohort_gradebook
from projects.grading.models import Assessment, AssessmentChange, MarkingStatus, RubricVersion

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_ko": "구성",
            "title_en": "Story",
            "weight": 2,
            "levels": [
                {"id": "weak", "name_en": "Weak", "name_ko": "부족", "points": 0},
                {"id": "good", "name_en": "Good", "name_ko": "좋음", "points": 5},
                {"id": "great", "name_en": "Great", "name_ko": "훌륭함", "min_points": 8, "max_points": 10},
            ],
        },
        {
            "id": "tech",
            "title_ko": "기술 요건",
            "title_en": "Technical compliance",
            "technical": True,
            "levels": [
                {"id": "fail", "name_en": "Does not meet", "points": 0},
                {"id": "pass", "name_en": "Meets the brief", "points": 10},
            ],
        },
    ]
}


@pytest.fixture
def graded_course(db, course, make_project):
    """A published project with a rubric and two trainees who handed in a text."""
    rubric = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="영상 평가",
        title_en="Film rubric",
        data=RUBRIC,
        by=course["instructor"],
    )
    project = make_project(deliverables=[{"name_en": "Note", "kind": "text"}])
    rubrics.attach(project, rubric.latest)
    subs = []
    for trainee in course["trainees"][:2]:
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text="My film")
        submissions.save_declarations(submission, ai_used=False)
        submissions.submit(submission, trainee, statement_accepted=True)
        subs.append(submission)
    db.session.commit()
    return {"rubric": rubric, "project": project, "submissions": subs}


def form(assessment, story="great", points="9", tech="pass", status="ready", feedback="Nice pacing"):
    return {
        "version": assessment.version,
        "level-story": story,
        "points-story": points,
        "level-tech": tech,
        "comment-story": "Strong opening",
        "feedback": feedback,
        "status": status,
    }


def test_grading_screen_saves_marks_and_total_matches_the_core(client, login, course, graded_course, db):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    login(course["instructor"])
    # The submission's own page leads to its grading screen.
    grade_url = f"/projects/{project.id}/submissions/{submission.id}/grade"
    assert grade_url in client.get(f"/projects/{project.id}/submissions/{submission.id}").get_data(
        as_text=True
    )
    page = client.get(grade_url)
    assert page.status_code == 200 and "Strong opening" not in page.get_data(as_text=True)
    assessment = marking.get_assessment(submission)
    version = assessment.version
    r = client.post(f"/projects/{project.id}/submissions/{submission.id}/grade", data=form(assessment))
    assert r.status_code == 302
    db.session.refresh(assessment)
    assert assessment.version == version + 1  # one save, one version
    # (2 x 9 + 1 x 10) / (2 x 10 + 1 x 10) x 100 = 93.33.. -> 93.3
    assert assessment.grade == Decimal("93.3") and assessment.status is MarkingStatus.READY
    assert assessment.marks["story"]["comment"] == "Strong opening"
    bad = client.post(
        f"/projects/{project.id}/submissions/{submission.id}/grade",
        data=form(assessment, points="12", feedback="Typed, not saved"),
    )
    assert bad.status_code == 422 and "Typed, not saved" in bad.get_data(
        as_text=True
    )  # nothing typed is lost
    db.session.refresh(assessment)
    assert assessment.grade == Decimal("93.3")  # points outside the range changed nothing


def test_stale_form_is_refused_and_both_versions_shown(
    client, login, course, graded_course, db, app, make_user
):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    second = make_user("instructor", locale="en")
    from lms.programmes.services import assign_instructor

    assign_instructor(project.cohort, second)
    db.session.commit()
    login(course["instructor"])
    client.get(f"/projects/{project.id}/submissions/{submission.id}/grade")
    assessment = marking.get_assessment(submission)
    seen = assessment.version
    other = app.test_client()
    login(second, c=other)
    theirs = other.post(
        f"/projects/{project.id}/submissions/{submission.id}/grade",
        data=form(assessment, story="good", feedback="Theirs"),
    )
    assert theirs.status_code == 302, theirs.get_data(as_text=True)[-2000:]
    r = client.post(
        f"/projects/{project.id}/submissions/{submission.id}/grade",
        data={**form(assessment, feedback="Mine"), "version": seen},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 409 and "Nothing was overwritten" in body and "Theirs" in body and "Mine" in body
    db.session.refresh(assessment)
    assert assessment.feedback == "Theirs" and assessment.marks["story"]["level_id"] == "good"


def test_race_between_check_and_commit_is_caught_by_the_version_counter(course, graded_course, db):
    submission = graded_course["submissions"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    db.session.commit()
    version = assessment.version
    # Another process commits after our check but before our flush.
    db.session.execute(
        Assessment.__table__.update()
        .where(Assessment.id == assessment.id)
        .values(version=version + 1, feedback="sneaky")
    )
    from sqlalchemy.orm.exc import StaleDataError

    with pytest.raises(StaleDataError):
        marking.save_assessment(
            assessment,
            expected_version=version,
            marks={},
            feedback="mine",
            status=MarkingStatus.IN_PROGRESS,
            by=course["instructor"],
        )
    db.session.rollback()


def test_every_change_is_in_the_history(course, graded_course, db):
    submission = graded_course["submissions"][0]
    instructor = course["instructor"]
    assessment = marking.start_assessment(submission, instructor)
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}},
        feedback="",
        status=MarkingStatus.IN_PROGRESS,
        by=instructor,
    )
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "weak"}, "tech": {"level_id": "pass"}},
        feedback="ok",
        status=MarkingStatus.READY,
        by=instructor,
    )
    db.session.commit()
    changes = marking.history(assessment)
    assert [c.after["marks"]["story"]["level_id"] for c in changes] == ["weak", "good"]
    assert changes[0].before["marks"]["story"]["level_id"] == "good" and changes[0].after["status"] == "ready"


def test_trainees_see_nothing_before_release_then_are_notified(
    client, login, course, graded_course, db, app, outbox
):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    trainee = course["trainees"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good", "comment": "Secret note"}, "tech": {"level_id": "pass"}},
        feedback="Hidden until release",
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    db.session.commit()
    login(trainee)
    page = client.get(f"/projects/{project.id}/feedback").get_data(as_text=True)
    assert "Hidden until release" not in page and "Secret note" not in page and "not been released" in page
    assert client.get(f"/projects/{project.id}/submissions/{submission.id}/grade").status_code == 404
    api = client.get(f"/api/v1/projects/{project.id}/submissions").status_code
    assert api == 401  # the API never takes a session cookie
    feedback_url = f"/projects/{project.id}/feedback"
    # Only the release's: the trainee also heard of the publication, the instructor of the hand-in.
    released_notes = db.session.query(Notification).filter_by(url=feedback_url)
    assert released_notes.count() == 0
    staff = app.test_client()
    login(course["instructor"], c=staff)
    staff.post(f"/projects/{project.id}/release", data={"confirmed": "1"})
    db.session.refresh(assessment)
    assert assessment.status is MarkingStatus.RELEASED
    note = released_notes.one()
    assert note.user_id == trainee.id and "Brand film" in note.text_en and "브랜드 영상" in note.text_ko
    assert any(trainee.email in m["to"] for m in outbox())
    page = client.get(f"/projects/{project.id}/feedback").get_data(as_text=True)
    assert "Hidden until release" in page and "Secret note" in page and "66.7" in page
    db.session.refresh(note)
    assert note.read_at is not None  # read by opening (the publication's notification is another matter)


def test_editing_a_used_rubric_makes_a_new_version_and_keeps_old_grades(course, graded_course, db):
    rubric, project = graded_course["rubric"], graded_course["project"]
    first, second = graded_course["submissions"]
    done = marking.start_assessment(first, course["instructor"])
    marking.save_assessment(
        done,
        expected_version=done.version,
        marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
        feedback="",
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    draft = marking.start_assessment(second, course["instructor"])
    data = json.loads(json.dumps(rubric.latest.data))
    data["criteria"][0]["levels"][1]["points"] = "6"
    version = rubrics.save_rubric(
        rubric, title_ko=rubric.title_ko, title_en="Film rubric v2", data=data, by=course["instructor"]
    )
    db.session.commit()
    assert version.number == 2 and rubric.versions[0].data["criteria"][0]["levels"][1]["points"] == "5"
    assert rubrics.move_to_version(project, version) == 1
    db.session.commit()
    db.session.refresh(done)
    db.session.refresh(draft)
    assert done.rubric_version.number == 1 and done.grade == Decimal("66.7")
    assert draft.rubric_version.number == 2
    version.data = {"criteria": []}
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_rubric_json_and_csv_round_trip_and_csv_is_injection_safe(course, db):
    data = json.loads(json.dumps(RUBRIC))
    data["criteria"][0]["title_en"] = '=HYPERLINK("http://evil")'
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="평가", title_en="R", data=data, by=course["instructor"]
    )
    exported = rubrics.to_json(rubric)
    assert rubrics.from_json(json.loads(json.dumps(exported)))[2] == rubric.latest.data
    text = rubrics.to_csv(rubric.latest)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][2].startswith("'=HYPERLINK")
    assert rubrics.from_csv(text) == rubric.latest.data
    with pytest.raises(ProjectError, match="bad_rubric"):
        rubrics.from_csv("criterion_id,criterion_title_en,level_id,points\nc1,X,l1,-3\n")


def test_import_through_the_screen_adds_a_version_never_overwrites(client, login, course, graded_course, db):
    rubric = graded_course["rubric"]
    login(course["instructor"])
    exported = client.get(f"/projects/rubrics/{rubric.id}/export.json").get_data(as_text=True)
    payload = json.loads(exported)
    payload["criteria"][1]["weight"] = "3"
    r = client.post(
        "/projects/rubrics/import",
        data={"rubric_id": rubric.id, "file": (io.BytesIO(json.dumps(payload).encode()), "rubric.json")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    db.session.refresh(rubric)
    assert [v.number for v in rubric.versions] == [1, 2]
    assert db.session.query(RubricVersion).count() == 2


def test_rubric_builder_adds_rows_then_saves(client, login, course, db):
    login(course["instructor"])
    base = {
        "title_ko": "발표",
        "title_en": "Pitch",
        "programme_id": course["cohort"].programme_id,
        "c0-id": "",
        "c0-title_en": "Clarity",
        "c0-weight": "1",
        "c0-l0-id": "",
        "c0-l0-name_en": "Unclear",
        "c0-l0-points": "0",
        "c0-l1-id": "",
        "c0-l1-name_en": "Clear",
        "c0-l1-points": "4",
    }
    grown = client.post("/projects/rubrics/new", data={**base, "grow": "level-0"}).get_data(as_text=True)
    assert 'name="c0-l2-name_en"' in grown
    assert client.post("/projects/rubrics/new", data=base).status_code == 302
    from projects.grading.models import Rubric

    rubric = db.session.query(Rubric).one()
    assert [lv["points"] for lv in rubric.latest.criteria[0]["levels"]] == ["0", "4"]


def test_technical_criterion_is_prefilled_from_the_file_checks(client, login, course, hand_in_film, db):
    submission = hand_in_film(RUBRIC)
    assessment = marking.start_assessment(submission, course["instructor"])
    assert assessment.marks["tech"] == {"level_id": "pass", "points": "10", "comment": "", "auto": True}
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"tech": {"level_id": "fail"}, "story": {"level_id": "good"}},
        feedback="",
        status=MarkingStatus.IN_PROGRESS,
        by=course["instructor"],
    )
    assert "auto" not in assessment.marks["tech"]  # the override is recorded as the grader's
    change = db.session.query(AssessmentChange).one()
    assert (
        change.before["marks"]["tech"]["auto"] is True and change.after["marks"]["tech"]["level_id"] == "fail"
    )
    media_id = submission.last_attempt.items[0].media_id
    comments.add_comment(
        assessment,
        media_id=media_id,
        seconds=1.25,
        criterion_id="story",
        text="Cut here",
        by=course["instructor"],
    )
    with pytest.raises(ProjectError):
        comments.add_comment(
            assessment,
            media_id=media_id + 999,
            seconds=1,
            criterion_id=None,
            text="x",
            by=course["instructor"],
        )
    db.session.commit()
    staff_page = client.get(f"/projects/{submission.project_id}/feedback").get_data(as_text=True)
    assert "Cut here" not in staff_page  # not released yet


def test_team_grade_with_individual_adjustment(course, team_assessment, db):
    assessment = team_assessment(RUBRIC)
    a, b, _c = course["trainees"]
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
        feedback="",
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    marking.set_adjustment(assessment, b, "-10", "Missed two shoots", course["instructor"])
    db.session.commit()
    assert marking.grade_for(assessment, a) == Decimal("66.7")
    assert marking.grade_for(assessment, b) == Decimal("56.7")
    with pytest.raises(ProjectError, match="not_in_team"):
        marking.set_adjustment(assessment, _c, 5, "", course["instructor"])


def test_gradebook_csv_is_excel_ready_and_safe(client, login, course, graded_course, db, make_user):
    trainee = course["trainees"][0]
    trainee.name = "=cmd|' /C calc'!A0"
    db.session.commit()
    submission = graded_course["submissions"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
        feedback="",
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    db.session.commit()
    from projects.coursework import services

    services.grant_extension(
        graded_course["project"],
        granted_by=course["instructor"],
        user=course["trainees"][2],
        due_at=utcnow() + timedelta(days=9),
        cutoff_at=None,
        reason="Hospital",
    )
    db.session.commit()
    login(course["instructor"])
    cohort_id = course["cohort"].id
    page = client.get(f"/projects/cohorts/{cohort_id}/gradebook").get_data(as_text=True)
    assert "66.7" in page and page.count('<span class="badge">extended</span>') == 1
    data = client.get(f"/projects/cohorts/{cohort_id}/gradebook.csv").get_data(as_text=True)
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert rows[0][2] == "Brand film" or rows[0][2] == "브랜드 영상"
    row = next(r for r in rows if trainee.email in r)
    assert row[0].startswith("'=") and row[2] == "66.7"
    outsider = make_user("instructor")
    other = client.application.test_client()
    login(outsider, c=other)
    assert other.get(f"/projects/cohorts/{cohort_id}/gradebook").status_code == 404


def _gradebook_queries(db, make_user, make_cohort, size: int) -> int:
    """Queries the gradebook of a cohort of *size* trainees (two graded projects) takes."""
    from lms.programmes.models import Enrolment
    from projects.coursework import services
    from projects.coursework.models import Attempt, Submission

    instructor = make_user("instructor")
    cohort = make_cohort(instructors=[instructor])
    trainees = [make_user("trainee") for _ in range(size)]
    db.session.add_all(Enrolment(cohort_id=cohort.id, user_id=t.id) for t in trainees)
    rubric = rubrics.create_rubric(programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=instructor)
    now = utcnow()
    for n in range(2):
        project = services.create_project(
            cohort, instructor, title_en=f"P{n}", due_at=now + timedelta(days=2)
        )
        services.save_deliverable(project, name_en="Note", kind="text")
        services.publish_project(project)
        rubrics.attach(project, rubric.latest)
        for t in trainees:
            # Rows written directly: the services are tested elsewhere, this is about the read side.
            s = Submission(
                project_id=project.id, user_id=t.id, people=[], attempt_count=1, last_submitted_at=now
            )
            s.attempts.append(
                Attempt(
                    number=1,
                    submitted_at=now,
                    due_at=project.due_at,
                    statement_accepted=True,
                    ai_used=False,
                    people=[],
                )
            )
            db.session.add(s)
            db.session.add(
                Assessment(
                    submission=s,
                    rubric_version_id=rubric.latest.id,
                    grade=Decimal("66.7"),
                    status=MarkingStatus.READY,
                    marks={},
                )
            )
    db.session.commit()
    db.session.expire_all()
    count = []
    listener = lambda *args, **kw: count.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        _projects, found, cells = cohort_gradebook(cohort.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(found) == size and len(cells) == 2 * size
    assert all(cell.grade == Decimal("66.7") and cell.handed_in for cell in cells.values())
    return len(count)


def test_gradebook_queries_do_not_grow_with_the_cohort(db, make_user, make_cohort):
    assert _gradebook_queries(db, make_user, make_cohort, 10) == _gradebook_queries(
        db, make_user, make_cohort, 300
    )


def test_grading_api_with_versions_and_release(client, db, course, graded_course, make_user):
    from tests.projects.test_api import bearer

    project, submission = graded_course["project"], graded_course["submissions"][0]
    staff = bearer(db, course["instructor"], "read write")
    library = client.get("/api/v1/projects/rubrics", headers=staff).get_json()
    assert library[0]["title_en"] == "Film rubric" and library[0]["version"] == 1
    url = f"/api/v1/projects/{project.id}/submissions/{submission.id}/assessment"
    body = {
        "version": 1,
        "status": "ready",
        "feedback": "API feedback",
        "marks": {"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
    }
    assert client.get(url, headers=staff).get_json()["version"] == 0  # nobody started grading yet
    r = client.put(url, headers=staff, json=body)  # a new assessment starts at version 1
    assert r.status_code == 200 and r.get_json()["grade"] == "66.70" and r.get_json()["version"] == 2
    stale = client.put(url, headers=staff, json={**body, "feedback": "late edit", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == 409
    trainee = bearer(db, course["trainees"][0])
    assert client.get(url, headers=trainee).status_code == 404  # not released
    assert client.post(f"/api/v1/projects/{project.id}/release", headers=staff).get_json() == {"released": 1}
    assert client.get(url, headers=trainee).get_json()["feedback"] == "API feedback"
    book = client.get(f"/api/v1/projects/cohorts/{course['cohort'].id}/gradebook", headers=staff).get_json()
    assert {row["grades"][str(project.id)] for row in book} == {"66.7", None}
    assert (
        client.get(
            f"/api/v1/projects/cohorts/{course['cohort'].id}/gradebook",
            headers=bearer(db, make_user("instructor")),
        ).status_code
        == 404
    )
    shared = {
        "title_en": "Pitch",
        "criteria": [{"title_en": "Clarity", "levels": [{"points": 0}, {"points": 3}]}],
    }
    assert (
        client.post("/api/v1/projects/rubrics", headers=staff, json=shared).status_code == 403
    )  # admins only
    new = {**shared, "programme_id": course["cohort"].programme_id}
    created = client.post("/api/v1/projects/rubrics", headers=staff, json=new)
    assert created.status_code == 201 and created.get_json()["version"] == 1
    rid = created.get_json()["id"]
    new["criteria"][0]["levels"][1]["points"] = 4
    whole = {"title_ko": "피치", "title_en": new["title_en"], "criteria": new["criteria"]}  # PUT: every field
    assert client.put(f"/api/v1/projects/rubrics/{rid}", headers=staff, json=whole).get_json()["version"] == 2
    v1 = client.get(f"/api/v1/projects/rubrics/{rid}/versions/1", headers=staff).get_json()
    assert v1["criteria"][0]["levels"][1]["points"] == "3"
    bad = client.post("/api/v1/projects/rubrics", headers=staff, json={**new, "criteria": []})
    assert bad.status_code == 422


def test_rubric_in_use_cannot_be_deleted(client, db, course, graded_course):
    from tests.projects.test_api import bearer

    staff = bearer(db, course["instructor"], "read write")
    used = graded_course["rubric"]
    r = client.delete(f"/api/v1/projects/rubrics/{used.id}", headers=staff)
    # The token owner's language (the course's instructor chose English), whatever the request asks.
    assert r.status_code == 422 and "stays in the library" in r.get_json()["message"]
    spare = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="x",
        title_en="x",
        data=RUBRIC,
        by=course["instructor"],
    )
    db.session.commit()
    spare_id = spare.id
    assert client.delete(f"/api/v1/projects/rubrics/{spare_id}", headers=staff).status_code == 204
    assert client.get(f"/api/v1/projects/rubrics/{spare_id}", headers=staff).status_code == 404


def test_handing_in_again_reopens_a_released_grade(course, graded_course, db):
    submission = graded_course["submissions"][0]
    trainee = course["trainees"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}, "tech": {"level_id": "pass"}},
        feedback="",
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    marking.release([assessment], course["instructor"])
    second = submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    assert assessment.attempt_id == second.id and assessment.status is MarkingStatus.IN_PROGRESS
    assert marking.released_for(graded_course["project"], trainee) is None
    assert assessment.marks["story"]["level_id"] == "good"  # a starting point for the grader
