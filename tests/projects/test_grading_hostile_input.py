"""Hostile values in grading's and hand-in's HTML forms get a 4xx (or a refusal on the page), never a 500, and
nothing non-finite is stored (issue 13)."""

from __future__ import annotations

import math

import pytest

from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.models import Assessment, TimedComment
from tests.projects import test_marking
from tests.projects.test_marking import RUBRIC, form

graded_course = test_marking.graded_course  # a fixture, shared with the marking tests

HOSTILE = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "-1",
    "sNaN",
    "9" * 400,
    "-" + "9" * 30,
    "bogus",
    "level-x",
    "",
    "\u0000",
    "x" * 100_000,
]


@pytest.fixture
def video_assessment(client, login, course, hand_in_film, db):
    """An instructor's assessment of a handed-in film (a video of known length), the instructor signed in."""
    submission = hand_in_film(RUBRIC)
    assessment = marking.start_assessment(submission, course["instructor"])
    db.session.commit()
    client.post("/auth/logout")
    login(course["instructor"])
    item = submission.last_attempt.items[0]
    return {
        "project": submission.project,
        "submission": submission,
        "assessment": assessment,
        "media": item.media,
    }


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "1e400", "-1", "abc", "", "Infinity", "1e308"])
def test_timed_comment_refuses_moments_that_are_not_on_the_video(client, video_assessment, db, seconds):
    project, submission = video_assessment["project"], video_assessment["submission"]
    data = {"media_id": video_assessment["media"].id, "seconds": seconds, "text": "Cut here"}
    r = client.post(f"/projects/{project.id}/submissions/{submission.id}/comments", data=data)
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Choose a moment of the video" in page
    assert db.session.query(TimedComment).count() == 0


def test_timed_comment_within_the_video_is_kept_and_past_its_end_refused(client, video_assessment, db):
    project, submission, film = (video_assessment[k] for k in ("project", "submission", "media"))
    assert film.duration and math.isfinite(film.duration)
    url = f"/projects/{project.id}/submissions/{submission.id}/comments"
    client.post(url, data={"media_id": film.id, "seconds": str(film.duration + 5), "text": "Late"})
    assert db.session.query(TimedComment).count() == 0
    client.post(url, data={"media_id": film.id, "seconds": "0.5", "text": "Cut here"})
    assert [c.seconds for c in db.session.query(TimedComment)] == [0.5]


def test_grading_form_with_an_unknown_status_is_a_422_with_the_reason(
    client, login, course, graded_course, db
):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    login(course["instructor"])
    url = f"/projects/{project.id}/submissions/{submission.id}/grade"
    client.get(url)
    assessment = db.session.query(Assessment).one()
    r = client.post(url, data=form(assessment, status="bogus"))
    assert r.status_code == 422
    assert "Choose a marking status from the list." in r.get_data(as_text=True)
    db.session.refresh(assessment)
    assert assessment.feedback == ""


@pytest.mark.parametrize(
    "grow", ["level-x", "level-", "level-99999999999999999999", "level-٣", "bogus", "level-5"]
)
def test_rubric_builder_refuses_buttons_it_never_shows(client, login, course, grow):
    login(course["instructor"])
    data = {"title_en": "Film", "c0-id": "", "c0-title_en": "Story", "c0-l0-id": "", "c0-l0-points": "1"}
    r = client.post("/projects/rubrics/new", data=data | {"grow": grow})
    assert r.status_code == 400
    assert "That button is not part of this form" in r.get_data(as_text=True)
    assert client.post("/projects/rubrics/new", data=data | {"grow": "level-0"}).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("c0-l0-points", "1e400", "too big"),
        ("c0-l0-points", "sNaN", "is not a number"),
        ("c0-weight", "1e9", "too big"),
        ("c0-title_en", "x" * 201, "longer than 200 characters"),
        ("c0-id", "i" * 65, "longer than 64 characters"),
    ],
)
def test_rubric_builder_refuses_values_past_the_limits(client, login, course, db, field, value, problem):
    login(course["instructor"])
    data = {"title_en": "Film", "programme_id": course["cohort"].programme_id}
    data |= {"c0-id": "", "c0-title_en": "Story", "c0-weight": "1", "c0-l0-id": "", "c0-l0-points": "1"}
    r = client.post("/projects/rubrics/new", data=data | {field: value})
    assert r.status_code == 200 and problem in r.get_data(as_text=True)
    from projects.grading.models import Rubric

    assert db.session.query(Rubric).count() == 0


def test_rubric_content_of_the_wrong_shape_is_refused_not_a_crash():
    from projects.common import ProjectError

    for content in (
        {"criteria": ["x"]},
        {"criteria": [{"title_en": "a", "levels": ["x"]}]},
        {"criteria": {}},
        [1],
    ):
        with pytest.raises(ProjectError) as refused:
            rubrics.normalise(content)
        assert refused.value.params["problem"] == "bad_shape"
    too_many = {"criteria": [{"title_en": f"c{i}", "levels": [{"points": 1}]} for i in range(31)]}
    with pytest.raises(ProjectError, match="bad_rubric"):
        rubrics.normalise(too_many)


def test_adjustment_and_mark_points_must_be_finite_and_in_range(course, team_assessment, db):
    from projects.common import ProjectError
    from projects.grading.models import MarkingStatus

    assessment = team_assessment(RUBRIC)
    b = course["trainees"][1]
    for points in ("1e400", "-1e9", "101"):
        with pytest.raises(ProjectError, match="adjustment_out_of_range"):
            marking.set_adjustment(assessment, b, points, "", course["instructor"])
    for points in ("NaN", "sNaN", "Infinity"):
        with pytest.raises(ProjectError, match="bad_mark"):
            marking.save_assessment(
                assessment,
                expected_version=assessment.version,
                marks={"story": {"level_id": "great", "points": points}},
                feedback="",
                status=MarkingStatus.IN_PROGRESS,
                by=course["instructor"],
            )


def _grading_routes(project, submission, assessment) -> list[tuple[str, dict]]:
    """Each grading and hand-in form route with the fields its form sends."""
    p, s = project.id, submission.id
    deliverable = project.deliverables[0].id
    return [
        (f"/projects/{p}/submissions/{s}/grade", form(assessment)),
        (f"/projects/{p}/submissions/{s}/comments", {"media_id": "1", "seconds": "1", "text": "x"}),
        (f"/projects/{p}/submissions/{s}/adjustments", {"user_id": "1", "points": "1", "reason": "x"}),
        (f"/projects/{p}/submissions/{s}/release", {}),
        (f"/projects/{p}/release", {}),
        (f"/projects/{p}/by-criterion?criterion=story", {"level": "good", "points": "1", "version": "1"}),
        (f"/projects/{p}/rubric", {"rubric_id": "1", "move": "1"}),
        (
            "/projects/rubrics/new",
            {"title_en": "t", "c0-id": "", "c0-title_en": "a", "c0-l0-id": "", "grow": "x"},
        ),
        (f"/projects/{p}/work/{deliverable}/answer", {"text": "x", "link_url": "https://example.org"}),
        (
            f"/projects/{p}/work/declarations",
            {"ai_used": "no", "people-0-name": "x", "people-0-consent": "given"},
        ),
        (f"/projects/{p}/work/submit", {"statement": "y"}),
        (f"/projects/{p}/work/self-assessment", {"version": "1", "level-story": "good", "feedback": "x"}),
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_no_form_route_answers_500_to_hostile_values(client, login, course, graded_course, db, app, value):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    project.self_assessment = True
    db.session.commit()
    assessment = marking.start_assessment(submission, course["instructor"])
    db.session.commit()
    staff = app.test_client()
    login(course["instructor"], c=staff)
    trainee = app.test_client()
    login(course["trainees"][0], c=trainee)
    for url, fields in _grading_routes(project, submission, assessment):
        who = trainee if "/work/" in url else staff
        for name in list(fields) or ["anything"]:
            for data in ({**fields, name: value}, {k: v for k, v in fields.items() if k != name}):
                r = who.post(url, data=data)
                assert r.status_code < 500, (url, name, value[:20], r.status_code)
