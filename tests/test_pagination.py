"""Every list page and API list is paginated: the helper, the shared macro, and the lists that use them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from lms.db import utcnow
from lms.extensions import db
from lms.pagination import MAX_PER_PAGE, page_args


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", (1, 50)),
        ("?page=3&per_page=20", (3, 20)),
        ("?page=0", (1, 50)),
        ("?page=-4", (1, 50)),
        ("?page=abc&per_page=xyz", (1, 50)),
        ("?per_page=0", (1, 50)),
        ("?per_page=-5", (1, 1)),
        (f"?per_page={MAX_PER_PAGE * 10}", (1, MAX_PER_PAGE)),
    ],
)
def test_page_arguments_fall_back_and_are_clamped(app, query, expected):
    with app.test_request_context("/" + query):
        assert page_args() == expected


def _names(body: str) -> list[str]:
    return re.findall(r"Paged Person \d+", body)


def test_user_list_pages_with_translated_links_and_keeps_filters(make_user, login):
    admin = make_user("admin")
    for n in range(12):
        make_user("trainee", name=f"Paged Person {n:02d}")
    client = login(admin)
    first = client.get("/admin/users?role=trainee&per_page=5", headers={"Accept-Language": "en"})
    body = first.get_data(as_text=True)
    assert len(_names(body)) == 5 and "Page 1 of 3" in body and "12 in all" in body
    # The next link keeps the role filter and the page size.
    link = re.search(r'href="([^"]*page=2[^"]*)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "role=trainee" in link and "per_page=5" in link
    seen = set(_names(body))
    for page in (2, 3):
        body = client.get(f"/admin/users?role=trainee&per_page=5&page={page}").get_data(as_text=True)
        seen |= set(_names(body))
    assert len(seen) == 12
    last = client.get("/admin/users?role=trainee&per_page=5&page=3", headers={"Accept-Language": "ko"})
    text = last.get_data(as_text=True)
    assert "이전" in text and len(_names(text)) == 2
    # A page past the end is an empty page, not an error.
    assert client.get("/admin/users?page=99").status_code == 200


def test_programme_cohorts_page_and_filter_by_programme(make_user, make_cohort, login):
    admin = make_user("admin")
    first = make_cohort(name="Alpha cohort")
    for n in range(4):
        make_cohort(programme=first.programme, code=f"A{n}", name=f"Alpha {n}")
    make_cohort(name="Beta cohort")
    client = login(admin)
    body = client.get("/programmes?per_page=2", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert body.count('href="/cohorts/') == 2 and "Page 1 of 3" in body
    only = client.get(f"/programmes?programme_id={first.programme_id}&per_page=50").get_data(as_text=True)
    assert "Alpha cohort" in only and "Beta cohort" not in only and only.count('href="/cohorts/') == 5


def test_cohort_people_picker_is_bounded_and_searchable(make_user, make_cohort, login, db, monkeypatch):
    from lms.programmes import views

    monkeypatch.setattr(views, "PEOPLE_LIMIT", 3)
    admin = make_user("admin")
    cohort = make_cohort()
    people = [make_user("trainee", name=f"Candidate {n}") for n in range(6)]
    client = login(admin)
    body = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert sum(f"Candidate {n} &lt;" in body for n in range(6)) == 3
    found = client.get(f"/cohorts/{cohort.id}?find=candidate 5").get_data(as_text=True)
    assert "Candidate 5 &lt;" in found and "Candidate 4 &lt;" not in found
    # Someone outside the listed few can still be enrolled (the form checks the posted person, not the list).
    assert (
        client.post(f"/admin/cohorts/{cohort.id}/trainee", data={"trainee-user_id": people[5].id}).status_code
        == 302
    )
    db.session.refresh(cohort)
    assert [e.user_id for e in cohort.enrolments] == [people[5].id]
    # An instructor id posted as a trainee is still refused.
    teacher = make_user("instructor")
    client.post(f"/admin/cohorts/{cohort.id}/trainee", data={"trainee-user_id": teacher.id})
    db.session.refresh(cohort)
    assert teacher.id not in [e.user_id for e in cohort.enrolments]


@pytest.fixture
def big_course(make_user, make_cohort):
    teacher = make_user("instructor", locale="en")
    trainees = [make_user("trainee", name=f"Paged Person {n:02d}") for n in range(7)]
    cohort = make_cohort(instructors=[teacher], trainees=trainees)
    return teacher, trainees, cohort


def _project(cohort, teacher, **fields):
    from projects.coursework import services

    fields.setdefault("due_at", utcnow() + timedelta(days=7))
    project = services.create_project(
        cohort, teacher, title_en=fields.pop("title_en", "Paged brief"), **fields
    )
    services.save_deliverable(project, name_en="Notes", kind="text")
    services.publish_project(project)
    db.session.commit()
    return project


def _statements(client, path: str) -> int:
    count = [0]

    def seen(*_args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return count[0]


def test_review_list_pages_in_sql_without_a_query_per_row(big_course, make_user, make_cohort, login, app):
    from projects.coursework import submissions
    from projects.coursework.models import Submission

    teacher, trainees, cohort = big_course
    project = _project(cohort, teacher)
    for trainee in trainees[:3]:
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text="done")
        submissions.save_declarations(submission, ai_used=False, ai_tools="", ai_generated="", people=[])
        submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    client = login(teacher)
    body = client.get(f"/projects/{project.id}/submissions?per_page=3").get_data(as_text=True)
    assert _names(body) == [t.name for t in trainees[:3]] and "Page 1 of 3" in body
    seen = set()
    for page in (1, 2, 3):
        seen |= set(
            _names(
                client.get(f"/projects/{project.id}/submissions?per_page=3&page={page}").get_data(
                    as_text=True
                )
            )
        )
    assert seen == {t.name for t in trainees}
    waiting = client.get(f"/projects/{project.id}/submissions?filter=not_submitted&per_page=2").get_data(
        as_text=True
    )
    link = re.search(r'href="([^"]*page=2[^"]*)" rel="next"', waiting).group(1)
    assert "filter=not_submitted" in link and "Page 1 of 2" in waiting
    handed_in = client.get(f"/projects/{project.id}/submissions?filter=submitted").get_data(as_text=True)
    assert _names(handed_in) == [t.name for t in trainees[:3]]
    # The statements a page takes do not grow with the rows on it.
    small = _statements(client, f"/projects/{project.id}/submissions?per_page=1")
    large = _statements(client, f"/projects/{project.id}/submissions?per_page=7")
    assert small == large
    assert db.session.query(Submission).count() == 3


def test_project_list_gradebook_rubrics_and_notifications_page(big_course, login, make_user):
    from lms.notifications.services import notify

    teacher, trainees, cohort = big_course
    for n in range(5):
        _project(cohort, teacher, title_en=f"Brief {n}", due_at=utcnow() + timedelta(days=n + 1))
    client = login(teacher)
    body = client.get("/projects/?per_page=2").get_data(as_text=True)
    assert body.count('href="/projects/') >= 2 and "Page 1 of 3" in body
    book = client.get(f"/projects/cohorts/{cohort.id}/gradebook?per_page=4").get_data(as_text=True)
    assert len(_names(book)) == 4 and "Page 1 of 2" in book
    book2 = client.get(f"/projects/cohorts/{cohort.id}/gradebook?per_page=4&page=2").get_data(as_text=True)
    assert len(_names(book2)) == 3
    assert client.get("/projects/rubrics/?per_page=1").status_code == 200
    for n in range(3):
        notify(teacher, lambda n=n: f"Message number {n}", email=False)
    db.session.commit()
    notes = client.get("/notifications?per_page=2").get_data(as_text=True)
    assert "Message number 2" in notes and "Message number 0" not in notes and "Page 1 of 2" in notes


def test_api_lists_page_with_x_pagination(big_course, token_for, client, make_user):
    teacher, trainees, cohort = big_course
    projects = [_project(cohort, teacher, title_en=f"Brief {n}") for n in range(3)]
    headers = token_for(teacher)
    response = client.get("/api/v1/projects?page_size=2", headers=headers)
    assert response.status_code == 200 and len(response.get_json()) == 2
    meta = json.loads(response.headers["X-Pagination"])
    assert meta["total"] == 3 and meta["total_pages"] == 2 and meta["next_page"] == 2
    second = client.get("/api/v1/projects?page_size=2&page=2", headers=headers).get_json()
    assert len(second) == 1
    assert client.get("/api/v1/projects?page_size=1000", headers=headers).status_code == 422
    gradebook = client.get(f"/api/v1/projects/cohorts/{cohort.id}/gradebook?page_size=5", headers=headers)
    assert len(gradebook.get_json()) == 5 and json.loads(gradebook.headers["X-Pagination"])["total"] == 7
    for path in (
        f"/api/v1/projects/{projects[0].id}/submissions",
        f"/api/v1/projects/{projects[0].id}/extensions",
        f"/api/v1/projects/{projects[0].id}/teams",
        "/api/v1/projects/rubrics",
        "/api/v1/users",
        "/api/v1/cohorts",
        "/api/v1/programmes",
        f"/api/v1/cohorts/{cohort.id}/enrolments",
    ):
        answer = client.get(path, headers=token_for(make_user("admin")))
        assert answer.status_code == 200 and "X-Pagination" in answer.headers, path
