"""Feedback in a second language: the grader may also write the feedback, each criterion's comment and each
timed comment in a language the trainee reads (their own, e.g. Vietnamese); the trainee sees both, a form or
an API call that does not send the second texts keeps them, and the personal-data download carries them."""

from __future__ import annotations

import pytest

from projects.grading import services as marking
from projects.grading.models import MarkingStatus
from tests.projects import test_marking
from tests.projects.test_marking import RUBRIC, form

graded_course = test_marking.graded_course  # a fixture, shared with the marking tests


@pytest.fixture
def vietnamese(course, db):
    trainee = course["trainees"][0]
    trainee.locale = "vi"
    db.session.commit()
    return trainee


def test_the_grading_screen_offers_the_trainees_language_and_the_trainee_reads_both(
    client, login, course, graded_course, vietnamese, db, app
):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    login(course["instructor"])
    url = f"/projects/{project.id}/submissions/{submission.id}/grade"
    page = client.get(url).get_data(as_text=True)
    # Until one is chosen, the trainee's own language is suggested.
    assert '<option value="vi" lang="vi" selected>' in page
    assessment = marking.get_assessment(submission)
    data = {
        **form(assessment),
        "second_locale": "vi",
        "feedback_second": "Nhịp phim tốt",
        "comment2-story": "Mở đầu mạnh",
    }
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(assessment)
    assert (assessment.second_locale, assessment.feedback_second) == ("vi", "Nhịp phim tốt")
    assert assessment.marks["story"]["comment_second"] == "Mở đầu mạnh"

    # A form without the second-language boxes (an older page, a script) keeps them.
    older = {k: v for k, v in form(assessment, feedback="Nice pacing, again").items()}
    assert client.post(url, data=older).status_code == 302
    db.session.refresh(assessment)
    assert assessment.feedback == "Nice pacing, again"
    assert (assessment.second_locale, assessment.feedback_second) == ("vi", "Nhịp phim tốt")
    assert assessment.marks["story"]["comment_second"] == "Mở đầu mạnh"

    # A language the centre does not offer is refused, and nothing typed is lost.
    refused = client.post(url, data={**form(assessment), "second_locale": "fr", "feedback_second": "Typed"})
    assert refused.status_code == 422 and "Typed" in refused.get_data(as_text=True)

    client.post(f"/projects/{project.id}/release", data={"confirmed": "1"})
    trainee = app.test_client()
    login(vietnamese, c=trainee)
    page = trainee.get(f"/projects/{project.id}/feedback").get_data(as_text=True)
    assert "Nice pacing, again" in page and "Strong opening" in page
    assert '<blockquote class="second-language" lang="vi" dir="ltr">Nhịp phim tốt</blockquote>' in page
    assert 'lang="vi" dir="ltr">Mở đầu mạnh</span>' in page


def test_no_second_language_drops_the_texts_in_it(course, graded_course, db):
    submission = graded_course["submissions"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    common = dict(feedback="ok", status=MarkingStatus.IN_PROGRESS, by=course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good", "comment": "c", "comment_second": "ý kiến"}},
        second_locale="vi",
        feedback_second="tốt",
        **common,
    )
    assert assessment.marks["story"]["comment_second"] == "ý kiến"
    marking.save_assessment(
        assessment, expected_version=assessment.version, marks=assessment.marks, second_locale=None, **common
    )
    assert assessment.second_locale is None and assessment.feedback_second == ""
    assert "comment_second" not in assessment.marks["story"]


def test_the_api_reads_and_patches_the_second_language(client, course, graded_course, token_for, db):
    project, submission = graded_course["project"], graded_course["submissions"][0]
    headers = token_for(course["instructor"], "read write")
    url = f"/api/v1/projects/{project.id}/submissions/{submission.id}/assessment"
    r = client.patch(
        url,
        json={
            "version": 0,
            "second_locale": "km",
            "feedback_second": "ល្អ",
            "marks": {"story": {"level_id": "good"}},
        },
        headers=headers,
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["second_locale"], body["feedback_second"]) == ("km", "ល្អ")
    # A PATCH of the feedback alone keeps the second language and its text.
    r = client.patch(url, json={"version": body["version"], "feedback": "Good"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["feedback_second"] == "ល្អ"
    bad = client.patch(url, json={"version": r.get_json()["version"], "second_locale": "xx"}, headers=headers)
    assert bad.status_code == 422


def test_a_timed_comment_in_the_second_language_is_shown_beside_the_first(
    client, login, course, hand_in_film, db, app
):
    submission = hand_in_film(RUBRIC)
    project = submission.project
    assessment = marking.start_assessment(submission, course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={},
        feedback="",
        status=MarkingStatus.IN_PROGRESS,
        by=course["instructor"],
        second_locale="ru",
    )
    db.session.commit()
    staff = app.test_client()
    login(course["instructor"], c=staff)
    video = submission.last_attempt.items[0].media_id
    page = staff.get(f"/projects/{project.id}/submissions/{submission.id}/grade").get_data(as_text=True)
    assert 'name="text_second"' in page
    staff.post(
        f"/projects/{project.id}/submissions/{submission.id}/comments",
        data={"media_id": video, "seconds": "1", "text": "Cut here", "text_second": "Обрежьте здесь"},
    )
    db.session.refresh(assessment)
    assert [(c.text, c.text_second) for c in assessment.comments] == [("Cut here", "Обрежьте здесь")]
    page = staff.get(f"/projects/{project.id}/submissions/{submission.id}/grade").get_data(as_text=True)
    assert 'lang="ru" dir="ltr">Обрежьте здесь</span>' in page


def test_the_personal_data_download_carries_the_second_language(course, graded_course, db, app):
    from projects.privacy import personal_data

    submission = graded_course["submissions"][0]
    assessment = marking.start_assessment(submission, course["instructor"])
    marks = {"story": {"level_id": "good", "comment_second": "tốt"}, "tech": {"level_id": "pass"}}
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks=marks,
        feedback="ok",
        status=MarkingStatus.READY,
        by=course["instructor"],
        second_locale="vi",
        feedback_second="được",
    )
    marking.release([assessment], course["instructor"])
    db.session.commit()
    data = personal_data(course["trainees"][0])[0].data
    grade = next(s["grade"] for s in data["submissions"] if "grade" in s)
    assert (grade["second_locale"], grade["feedback_second"]) == ("vi", "được")
    assert grade["marks"]["story"]["comment_second"] == "tốt"
