"""Issue 14's coursework friction: the rubric and late rule on the project page, confirmation steps that say
how many trainees an action reaches, a new rubric started from a project, notifications on publication and
hand-in, a file's page linking back to its project, and the receipt's dates and sizes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lms.notifications.models import Notification
from projects.coursework import services, submissions
from projects.coursework.models import Project
from projects.grading import rubrics
from projects.grading.models import MarkingStatus
from tests.fixtures.projects import ready_assessment

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_ko": "구성",
            "title_en": "Storytelling",
            "description_en": "Does the film hold together?",
            "weight": 2,
            "levels": [
                {"id": "weak", "name_en": "Weak start", "name_ko": "부족", "points": 0},
                {"id": "good", "name_en": "Clear arc", "name_ko": "좋음", "points": 5},
                {
                    "id": "great",
                    "name_en": "Gripping",
                    "name_ko": "훌륭함",
                    "min_points": 8,
                    "max_points": 10,
                },
            ],
        },
        {
            "id": "tech",
            "title_ko": "기술 요건",
            "title_en": "Technical compliance",
            "levels": [
                {"id": "fail", "name_en": "Does not meet", "points": 0},
                {"id": "pass", "name_en": "Meets the brief", "points": 10},
            ],
        },
    ]
}


def _notes(db, user, url=None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if url is not None:
        query = query.where(Notification.url == url)
    return list(db.session.scalars(query))


@pytest.fixture
def rubric_project(db, course, make_project):
    """A published project (max grade 20, 10 % a day late, not below 50 %) graded with RUBRIC."""
    rubric = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="r",
        title_en="r",
        data=RUBRIC,
        by=course["instructor"],
    )
    project = make_project(
        deliverables=[{"name_en": "Note", "kind": "text"}],
        max_grade=Decimal(20),
        late_policy="per_day",
        late_percent=Decimal(10),
        late_floor=Decimal(50),
    )
    rubrics.attach(project, rubric.latest)
    db.session.commit()
    return project


def _hand_in(db, project, trainee):
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="My film")
    submissions.save_declarations(submission, ai_used=False)
    attempt = submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    return submission, attempt


# --- 1. the rubric, the maximum grade and the late rule before handing in -----------------------------------


@pytest.mark.parametrize("who", ["trainee", "instructor"])
def test_project_page_shows_rubric_max_grade_and_late_policy(client, login, course, rubric_project, who):
    login(course["trainees"][0] if who == "trainee" else course["instructor"])
    page = client.get(f"/projects/{rubric_project.id}").get_data(as_text=True)
    section = page[page.index('id="grading"') :]
    for words in ("Storytelling", "Does the film hold together?", "Technical compliance", "Weak start"):
        assert words in section
    assert "5 points" in section and "8–10 points" in section and "weight × 2" in section
    assert re.search(r"data-max-grade>\s*20\s*<", page)
    assert "loses 10% of the maximum grade for each started day late, but not below 50% of it" in page
    # Cards and lists, not a table: nothing in the rubric can push a phone's page sideways.
    assert "<table" not in section.split("</section>")[0]


def test_project_page_without_rubric_says_so(client, login, course, make_project):
    project = make_project()
    login(course["trainees"][0])
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "No rubric is attached yet." in page and "Late work is not penalised." in page


def test_work_page_links_to_how_it_is_graded(client, login, course, rubric_project):
    login(course["trainees"][0])
    page = client.get(f"/projects/{rubric_project.id}/work").get_data(as_text=True)
    assert f'href="/projects/{rubric_project.id}#grading"' in page


# --- 2. the grading screen carries what the live total needs ------------------------------------------------


def test_grading_screen_has_live_total_box(client, login, course, rubric_project, db):
    submission, _attempt = _hand_in(db, rubric_project, course["trainees"][0])
    login(course["instructor"])
    page = client.get(f"/projects/{rubric_project.id}/submissions/{submission.id}/grade").get_data(
        as_text=True
    )
    assert re.search(r'data-rubric-total data-max-grade="20" aria-live="polite"', page)
    assert 'data-weight="2"' in page and 'data-points="5"' in page
    assert 'data-min-points="8" data-max-points="10"' in page and "data-range-points" in page


# --- 3. confirmation steps ----------------------------------------------------------------------------------


def test_publishing_asks_first_and_says_how_many_trainees(client, login, course, make_project, db):
    project = make_project(published=False)
    login(course["instructor"])
    page = client.post(f"/projects/{project.id}/publish")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"to 3 trainees of cohort {course['cohort'].name}?" in text
    assert 'name="confirmed" value="1"' in text
    db.session.expire_all()
    assert not db.session.get(Project, project.id).published  # nothing changed without the answer
    assert not _notes(db, course["trainees"][0])
    answer = client.post(f"/projects/{project.id}/publish", data={"confirmed": "1"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, project.id).published


def test_release_all_asks_first_and_says_how_many_trainees(client, login, course, rubric_project, db):
    subs = [_hand_in(db, rubric_project, t)[0] for t in course["trainees"][:2]]
    assessments = []
    for submission in subs:
        assessments.append(ready_assessment(submission, course["instructor"]))
    db.session.commit()
    login(course["instructor"])
    page = client.post(f"/projects/{rubric_project.id}/release")
    assert page.status_code == 200
    assert "Release 2 ready grade(s) to 2 trainee(s) of cohort" in page.get_data(as_text=True)
    db.session.expire_all()
    assert all(a.status is MarkingStatus.READY for a in assessments)
    client.post(f"/projects/{rubric_project.id}/release", data={"confirmed": "1"})
    db.session.expire_all()
    assert all(a.status is MarkingStatus.RELEASED for a in assessments)


def test_releasing_one_grade_needs_no_extra_step(client, login, course, rubric_project, db):
    submission, _attempt = _hand_in(db, rubric_project, course["trainees"][0])
    assessment = ready_assessment(submission, course["instructor"])
    db.session.commit()
    login(course["instructor"])
    client.post(f"/projects/{rubric_project.id}/submissions/{submission.id}/release")
    db.session.expire_all()
    assert assessment.status is MarkingStatus.RELEASED


# --- 4. a new rubric started from a project -----------------------------------------------------------------


def _builder_form(project_id=None, programme_id=""):
    data = {
        "title_en": "Pitch rubric",
        "title_ko": "피치 루브릭",
        "programme_id": programme_id,
        "c0-id": "",
        "c0-title_en": "Clarity",
        "c0-weight": "1",
        "c0-l0-id": "",
        "c0-l0-name_en": "Clear",
        "c0-l0-points": "4",
    }
    if project_id is not None:
        data["project_id"] = project_id
    return data


def test_new_rubric_from_a_project_returns_there_attached(client, login, course, make_project, db):
    project = make_project()
    login(course["instructor"])
    chooser = client.get(f"/projects/{project.id}/rubric").get_data(as_text=True)
    assert f"/projects/rubrics/new?project_id={project.id}" in chooser
    builder = client.get(f"/projects/rubrics/new?project_id={project.id}").get_data(as_text=True)
    assert f'name="project_id" value="{project.id}"' in builder
    # "Add a criterion" keeps the project in the form.
    grown = client.post("/projects/rubrics/new", data={**_builder_form(project.id), "grow": "criterion"})
    assert f'name="project_id" value="{project.id}"' in grown.get_data(as_text=True)
    answer = client.post(
        "/projects/rubrics/new", data=_builder_form(project.id, course["cohort"].programme_id)
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        f"/projects/{project.id}#grading"
    )
    db.session.expire_all()
    attached = db.session.get(Project, project.id).rubric_version
    assert attached is not None and attached.rubric.title_en == "Pitch rubric"


def test_new_rubric_from_a_project_needs_the_right_to_edit_it(
    client, login, course, make_project, make_user, make_cohort, db
):
    project = make_project()
    stranger = make_user("instructor", locale="en")
    other = make_cohort(instructors=[stranger])
    login(stranger)
    assert client.get(f"/projects/rubrics/new?project_id={project.id}").status_code == 404
    answer = client.post("/projects/rubrics/new", data=_builder_form(project.id, other.programme_id))
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Project, project.id).rubric_version is None


def test_new_rubric_without_a_project_goes_to_the_library(client, login, course, db):
    login(course["instructor"])
    answer = client.post("/projects/rubrics/new", data=_builder_form(None, course["cohort"].programme_id))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/projects/rubrics/")


# --- 6. notifications ---------------------------------------------------------------------------------------


def test_publication_notifies_each_trainee_once(course, make_project, make_user, db):
    project = make_project(published=False)
    services.publish_project(project)
    db.session.commit()
    url = f"/projects/{project.id}"
    for trainee in course["trainees"]:
        [note] = _notes(db, trainee, url)
        assert "Brand film" in note.text_en and "브랜드 영상" in note.text_ko
    assert not _notes(db, course["instructor"])
    # Back to draft and published again: nobody hears of it twice.
    services.unpublish_project(project)
    services.publish_project(project)
    db.session.commit()
    assert all(len(_notes(db, t, url)) == 1 for t in course["trainees"])


def test_publication_through_the_page_notifies_the_cohort(client, login, course, make_project, db):
    project = make_project(published=False)
    login(course["instructor"])
    client.post(f"/projects/{project.id}/publish")  # the question only
    assert not _notes(db, course["trainees"][0])
    client.post(f"/projects/{project.id}/publish", data={"confirmed": "1"})
    assert len(_notes(db, course["trainees"][0], f"/projects/{project.id}")) == 1


def test_hand_in_notifies_the_cohorts_instructors(course, make_project, make_user, db):
    second = make_user("instructor", locale="en")
    from lms.programmes.services import assign_instructor

    assign_instructor(course["cohort"], second)
    db.session.commit()
    project = make_project(deliverables=[{"name_en": "Note", "kind": "text"}])
    trainee = course["trainees"][0]
    submission, attempt = _hand_in(db, project, trainee)
    url = f"/projects/{project.id}/submissions/{submission.id}"
    for instructor in (course["instructor"], second):
        [note] = _notes(db, instructor, url)
        assert trainee.name in note.text_en and "Brand film" in note.text_en and "attempt 1" in note.text_en
    assert not _notes(db, trainee, url)
    # A second attempt is a second event.
    submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    assert len(_notes(db, course["instructor"], url)) == 2


# --- 5. a file's page links back to its project -------------------------------------------------------------


def test_media_page_links_back_to_its_project(client, login, course, hand_in_film, make_user, db):
    submission = hand_in_film(RUBRIC)
    project = submission.project
    media = submission.last_attempt.items[0].media
    page = client.get(f"/media/{media.id}").get_data(as_text=True)  # the trainee, still signed in
    assert f'href="/projects/{project.id}" data-belongs-to' in page
    login(course["instructor"])
    page = client.get(f"/media/{media.id}").get_data(as_text=True)
    assert f'href="/projects/{project.id}" data-belongs-to' in page
    # Only projects the viewer may see are named.
    outsider = make_user("trainee")
    assert submissions.projects_of_media(outsider, media) == []
    assert submissions.projects_of_media(course["trainees"][0], media) == [project]


def test_an_unattached_file_links_nowhere(client, login, make_user, media, db):
    import io

    user = make_user("trainee", locale="en")
    login(user)
    answer = client.post(
        "/media/check",
        data={"file": (io.BytesIO(media["h264_aac.mp4"].read_bytes()), "film.mp4"), "preset": "any"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "data-belongs-to" not in page


# --- 7. the receipt -----------------------------------------------------------------------------------------


def test_receipt_uses_the_viewers_zone_and_plain_sizes(client, course, hand_in_film, db):
    submission = hand_in_film(RUBRIC)
    trainee = course["trainees"][0]
    trainee.timezone = "America/New_York"
    db.session.commit()
    attempt = submission.last_attempt
    page = client.get(
        f"/projects/{submission.project_id}/submissions/{submission.id}/attempts/{attempt.number}"
    ).get_data(as_text=True)
    assert "+0900" not in page and "-0500" not in page and "-0400" not in page and "GMT" not in page
    local = attempt.submitted_at.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in page
    assert not re.search(r"\d\.0\s*(?:bytes|KB|MB|GB|kB)", page)
    assert f"{attempt.items[0].size_bytes:,}" in page  # the exact count stays on a receipt


def test_a_late_hand_in_says_so_to_the_instructor(course, make_project, db):
    project = make_project(deliverables=[{"name_en": "Note", "kind": "text"}])
    project.due_at = project.due_at - timedelta(days=30)
    db.session.commit()
    trainee = course["trainees"][0]
    submission, _attempt = _hand_in(db, project, trainee)
    [note] = _notes(db, course["instructor"], f"/projects/{project.id}/submissions/{submission.id}")
    assert "late" in note.text_en
