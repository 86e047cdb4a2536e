"""Peer review's services on a real cohort: settings (partial updates), calibration against a reference,
allocation (never own or team work, late hand-ins in a later round), conflict-safe reviews, the median peer
grade, assessing grades, the flexible threshold and overrides with their history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from lms.db import utcnow
from lms.jobs import commit
from projects.common import ProjectError
from projects.peer import calibration, grades
from projects.peer import services as peer
from projects.peer.models import PeerReviewStatus
from tests.fixtures.projects import ready_assessment

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Story",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 0},
                {"id": "good", "name_en": "Good", "points": 5},
                {"id": "great", "name_en": "Great", "points": 10},
            ],
        },
        {
            "id": "craft",
            "title_en": "Craft",
            "levels": [{"id": "range", "name_en": "Points", "min_points": 0, "max_points": 10}],
        },
    ]
}


def marks(story: str, craft: int) -> dict:
    return {"story": {"level_id": story}, "craft": {"level_id": "range", "points": str(craft)}}


def review_all(project, people, given: dict, feedback=lambda person: "") -> None:
    """Each of *people* submits every review they were given, with the marks *given*."""
    for person in people:
        for review in peer.reviews_by(project, person):
            peer.submit_review(
                review, person, expected_version=review.version, marks=given, feedback=feedback(person)
            )


@pytest.fixture
def cohort_work(db, make_user, make_cohort):
    """A cohort of six trainees on a project with the rubric above; ``hand_in(trainee)`` hands in a note."""
    from projects.coursework import services, submissions
    from projects.grading import rubrics

    instructor = make_user("instructor", locale="en")
    trainees = [make_user("trainee", locale="en") for _ in range(6)]
    cohort = make_cohort(instructors=[instructor], trainees=trainees)
    rubric = rubrics.create_rubric(programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=instructor)
    project = services.create_project(
        cohort, instructor, title_en="Film", title_ko="영상", due_at=utcnow() + timedelta(days=3)
    )
    services.save_deliverable(project, name_en="Note", kind="text")
    services.publish_project(project)
    rubrics.attach(project, rubric.latest)

    def hand_in(trainee):
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text=f"work of {trainee.name}")
        submissions.save_declarations(submission, ai_used=False)
        submissions.submit(submission, trainee, statement_accepted=True)
        return submission

    db.session.commit()
    return {"project": project, "instructor": instructor, "trainees": trainees, "hand_in": hand_in}


def test_settings_change_only_what_is_sent_and_refuse_bad_values(db, cohort_work):
    project, teacher = cohort_work["project"], cohort_work["instructor"]
    peer.configure(project, teacher, enabled=True, reviews_each=2, peer_weight="30")
    settings = peer.configure(project, teacher, strictness="strict")
    assert (settings.enabled, settings.reviews_each, settings.peer_weight) == (True, 2, Decimal(30))
    for bad in ({"reviews_each": 0}, {"agreement": "101"}, {"peer_weight": "-1"}, {"colour": "red"}):
        with pytest.raises(ProjectError) as refused:
            peer.configure(project, teacher, **bad)
        assert refused.value.code == "peer_bad_setting"
    now = utcnow()
    with pytest.raises(ProjectError):
        peer.configure(project, teacher, opens_at=now, closes_at=now - timedelta(hours=1))


def test_calibration_gates_reviewing_until_agreement_or_enough_attempts(db, cohort_work):
    project, teacher = cohort_work["project"], cohort_work["instructor"]
    a, b, *_ = cohort_work["trainees"]
    example_work = cohort_work["hand_in"](cohort_work["trainees"][5])
    peer.configure(project, teacher, enabled=True, agreement="90", attempts_enough=3)
    example = calibration.add_example(project, example_work, marks("good", 6), teacher)
    assert not calibration.calibrated(project, a)
    far = calibration.calibrate(example, a, marks("weak", 0))
    assert far.agreement < 90 and not calibration.calibrated(project, a)
    exact = calibration.calibrate(example, a, marks("good", 6))
    assert exact.agreement == 100 and exact.attempt == 2 and calibration.calibrated(project, a)
    for _ in range(3):
        calibration.calibrate(example, b, marks("great", 10))
    assert calibration.calibrated(project, b)  # three attempts are enough, whatever the agreement
    with pytest.raises(ProjectError) as refused:
        calibration.add_example(project, example_work, {"story": {"level_id": "good"}}, teacher)
    assert refused.value.code == "peer_incomplete"


def test_allocation_review_and_median_grade(db, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:5]]
    peer.configure(project, teacher, enabled=True, reviews_each=3)
    assert peer.allocate_reviews(project, teacher, seed=1) == 15
    assert peer.allocate_reviews(project, teacher, seed=1) == 0  # again: nothing new
    by_author = {w.id: w.user_id for w in works}
    for person in people[:5]:
        mine = peer.reviews_by(project, person)
        assert len(mine) == 3
        assert all(by_author[r.submission_id] != person.id for r in mine)

    # Everyone reviews; the first work gets marks 10/8, 5/6 and 0/2 → median 5 and 6 → 11 of 20 = 55.
    first = works[0]
    given = {"great": 8, "good": 6, "weak": 2}
    levels = iter(given)
    for person in people[:5]:
        for review in peer.reviews_by(project, person):
            level = next(levels) if review.submission_id == first.id else "good"
            craft = given[level] if review.submission_id == first.id else 5
            peer.submit_review(
                review, person, expected_version=review.version, marks=marks(level, craft), feedback="ok"
            )
    db.session.commit()
    result = grades.peer_result(first)
    assert result.reviews == 3 and result.enough
    assert result.points == {"story": Decimal(5), "craft": Decimal(6)}
    assert result.grade == Decimal(55) and result.final == Decimal(55)

    # Assessing: the reviewer who gave the median on both criteria of a work whose others agree scores 100.
    assert grades.score_assessing(project) == 15
    reviews = [r for p in people[:5] for r in peer.reviews_by(project, p)]
    on_first = sorted(
        (r for r in reviews if r.submission_id == first.id), key=lambda r: r.marks["craft"]["points"]
    )
    assert [r.assessing for r in on_first][1] == max(r.assessing for r in on_first)
    elsewhere = [r for r in reviews if r.submission_id != first.id]
    assert all(r.assessing == 100 for r in elsewhere)  # all gave the same marks


def test_reviews_are_conflict_safe_and_refused_outside_the_window_or_for_others(db, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    for t in people[:3]:
        cohort_work["hand_in"](t)
    peer.configure(project, teacher, enabled=True, reviews_each=1)
    peer.allocate_reviews(project, teacher, seed=4)
    review = peer.reviews_by(project, people[0])[0]
    seen = review.version
    peer.submit_review(review, people[0], expected_version=seen, marks=marks("good", 5), feedback="")
    db.session.commit()
    with pytest.raises(peer.StaleReview):
        peer.submit_review(review, people[0], expected_version=seen, marks=marks("weak", 1), feedback="")
    with pytest.raises(ProjectError) as refused:
        peer.submit_review(
            review, people[1], expected_version=review.version, marks=marks("good", 5), feedback=""
        )
    assert refused.value.code == "peer_not_yours"
    with pytest.raises(ProjectError) as refused:
        peer.submit_review(review, people[0], expected_version=review.version, marks={}, feedback="")
    assert refused.value.code == "peer_incomplete"
    peer.configure(project, teacher, closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(ProjectError) as refused:
        peer.submit_review(
            review, people[0], expected_version=review.version, marks=marks("good", 5), feedback=""
        )
    assert refused.value.code == "peer_closed"
    assert review.marks == marks("good", 5) and review.status is PeerReviewStatus.SUBMITTED


def test_late_hand_in_joins_a_later_round_and_reallocation_keeps_the_rules(db, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    for t in people[:4]:
        cohort_work["hand_in"](t)
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    assert peer.allocate_reviews(project, teacher, seed=2) == 8
    late = cohort_work["hand_in"](people[4])
    added = peer.allocate_reviews(project, teacher, seed=2)
    assert added >= 2
    rounds = {r.round for p in people[:5] for r in peer.reviews_by(project, p)}
    assert rounds == {1, 2}
    assert len(peer.reviews_by(project, people[4])) == 2
    late_reviewers = {
        r.reviewer_id for p in people[:5] for r in peer.reviews_by(project, p) if r.submission_id == late.id
    }
    assert len(late_reviewers) >= 2 and people[4].id not in late_reviewers

    review = peer.reviews_by(project, people[0])[0]
    author = review.submission.user
    with pytest.raises(ProjectError) as refused:
        peer.reallocate(review, author, teacher)
    assert refused.value.code == "peer_own_work"
    free = next(
        p
        for p in people[:5]
        if p.id != author.id
        and review.submission_id not in {r.submission_id for r in peer.reviews_by(project, p)}
    )
    peer.reallocate(review, free, teacher)
    assert review.reviewer_id == free.id


def test_flexible_threshold_and_overrides_with_history(db, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:4]]
    peer.configure(project, teacher, enabled=True, reviews_each=3, flexible_after_days=2)
    peer.allocate_reviews(project, teacher, seed=9)
    target = works[0]
    review = next(r for p in people[:4] for r in peer.reviews_by(project, p) if r.submission_id == target.id)
    peer.submit_review(
        review, review.reviewer, expected_version=review.version, marks=marks("great", 10), feedback=""
    )
    closed = utcnow()
    peer.configure(project, teacher, closes_at=closed)
    assert not grades.peer_result(target, now=closed + timedelta(days=1)).enough
    waited = grades.peer_result(target, now=closed + timedelta(days=2))
    assert waited.enough and waited.final == Decimal(100)

    with pytest.raises(ProjectError) as refused:
        grades.override(target, Decimal(70), "  ", teacher)
    assert refused.value.code == "peer_reason_needed"
    first = grades.override(target, Decimal(70), "One review only; I watched it.", teacher)
    assert (first.before, first.after) == (Decimal(100), Decimal(70))
    assert grades.peer_result(target).final == Decimal(70)
    second = grades.override(target, None, "Withdrawn after more reviews.", teacher)
    assert (second.before, second.after) == (Decimal(70), None)
    with pytest.raises(ProjectError):
        grades.override(target, Decimal(101), "too much", teacher)


def test_pages_run_a_round_instructor_sets_up_trainees_review(db, app, login, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:3]]
    db.session.commit()
    client = login(teacher, c=app.test_client())
    # A refused setting keeps the stored ones and says why.
    page = client.post(f"/projects/{project.id}/peer", data={"enabled": "y", "reviews_each": "0"})
    assert page.status_code == 200 and peer.settings_for(project) is None
    saved = client.post(
        f"/projects/{project.id}/peer",
        data={
            "enabled": "y",
            "reviews_each": "2",
            "anonymous_authors": "y",
            "method": "median",
            "strictness": "fair",
            "peer_weight": "0",
            "self_weight": "0",
            "instructor_weight": "1",
            "agreement": "70",
        },
    )
    assert saved.status_code == 302
    allocate = f"/projects/{project.id}/peer/allocate"
    assert client.post(allocate, data={"confirmed": "1"}).status_code == 302  # after its confirmation page
    overview = client.get(f"/projects/{project.id}/peer").get_data(as_text=True)
    assert people[0].name in overview and "0 / 2" in overview

    reviewer = people[0]
    client = login(reviewer, c=app.test_client())
    listed = client.get(f"/projects/{project.id}/peer/reviews")
    assert listed.status_code == 200
    listing = listed.get_data(as_text=True)
    mine = peer.reviews_by(project, reviewer)
    assert len(mine) == 2
    for other in people[1:3]:
        assert other.name not in listing  # the authors stay anonymous
    review = mine[0]
    form = client.get(f"/projects/{project.id}/peer/reviews/{review.id}").get_data(as_text=True)
    author = db.session.get(type(works[0]), review.submission_id).user
    assert f"work of {author.name}" in form  # the work itself is shown
    assert 'name="level-story"' in form
    done = client.post(
        f"/projects/{project.id}/peer/reviews/{review.id}",
        data={"version": review.version, "level-story": "good", "level-craft": "range", "points-craft": "4"},
    )
    assert done.status_code == 302
    db.session.refresh(review)
    assert review.status is PeerReviewStatus.SUBMITTED and review.marks["craft"]["points"] == "4"
    # A stale form keeps what was typed and says so.
    stale = client.post(
        f"/projects/{project.id}/peer/reviews/{review.id}",
        data={
            "version": review.version - 1,
            "level-story": "weak",
            "level-craft": "range",
            "points-craft": "1",
        },
    ).get_data(as_text=True)
    assert "in the meantime" in stale and 'value="weak" checked' in stale

    # Someone else's review and the instructor's page are closed to this trainee.
    theirs = peer.reviews_by(project, people[1])[0]
    assert client.get(f"/projects/{project.id}/peer/reviews/{theirs.id}").status_code == 404
    assert client.get(f"/projects/{project.id}/peer").status_code == 404


def test_practice_page_compares_with_the_reference(db, client, login, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    work = cohort_work["hand_in"](people[5])
    peer.configure(project, teacher, enabled=True)
    example = calibration.add_example(project, work, marks("great", 9), teacher)
    db.session.commit()
    login(people[0])
    listing = client.get(f"/projects/{project.id}/peer/reviews").get_data(as_text=True)
    assert "First practise on the examples" in listing
    page = client.post(
        f"/projects/{project.id}/peer/examples/{example.id}",
        data={"level-story": "great", "level-craft": "range", "points-craft": "9"},
    ).get_data(as_text=True)
    assert "Agreement: 100" in page
    assert calibration.calibrated(project, people[0])


def test_reviewers_are_told_and_authors_read_reviews_anonymously_after_release(db, app, login, cohort_work):
    from lms.notifications.models import Notification
    from projects.grading import services as marking

    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:3]]
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    peer.allocate_reviews(project, teacher, seed=5)
    commit()  # the notices go after the commit, as a task (eager in tests)
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.url.like("%/peer/reviews?round=1"))
    ).all()
    assert sorted(told) == sorted(p.id for p in people[:3])
    review_all(project, people[:3], marks("good", 7), lambda person: f"Kind words from {person.name}")
    db.session.commit()
    author = people[0]
    client = login(author, c=app.test_client())
    before = client.get(f"/projects/{project.id}/peer/reviews").get_data(as_text=True)
    assert "Kind words" not in before  # nothing before the grade is released

    assessment = ready_assessment(works[0], teacher, marks("great", 9))
    with app.test_request_context("/"):
        marking.release([assessment], teacher)
    db.session.commit()
    page = client.get(f"/projects/{project.id}/peer/reviews").get_data(as_text=True)
    assert page.count("Kind words from") == 2
    assert "Reviewer 2" in page and "Good" in page
    assert "Peer grade: 60" in page  # good (5) + 7 of 20
    for other in people[1:3]:
        # The feedback text names its writer only because the test wrote it so; no page part adds a name.
        assert page.replace(f"Kind words from {other.name}", "").count(other.name) == 0


def test_gradebook_and_csv_show_peer_and_assessing_grades(db, app, login, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    for t in people[:3]:
        cohort_work["hand_in"](t)
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    peer.allocate_reviews(project, teacher, seed=3)
    review_all(project, people[:3], marks("great", 6))
    grades.score_assessing(project)
    db.session.commit()
    client = login(teacher, c=app.test_client())
    page = client.get(f"/projects/cohorts/{project.cohort_id}/gradebook").get_data(as_text=True)
    assert page.count("Peer grade: 80") == 3  # great (10) + 6 of 20, for each of the three
    assert page.count("Assessing grade: 100") == 3  # everyone agreed
    sheet = client.get(f"/projects/cohorts/{project.cohort_id}/gradebook.csv").get_data(as_text=True)
    header, *rows = [line.split(",") for line in sheet.strip().splitlines()]
    assert header[2:5] == ["Film", "Film: Peer grade", "Film: Assessing grade"]
    by_email = {row[1]: row for row in rows}
    assert by_email[people[0].email][3:5] == ["80", "100"]
    assert by_email[people[4].email][3:5] == ["", ""]  # handed nothing in, reviewed nothing


def test_weighted_grade_column_mixes_peer_and_released_instructor_grades(db, app, login, cohort_work):
    from projects.grading import services as marking

    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:3]]
    peer.configure(project, teacher, enabled=True, reviews_each=2, peer_weight="1", instructor_weight="3")
    peer.allocate_reviews(project, teacher, seed=8)
    review_all(project, people[:3], marks("good", 5))
    assessment = ready_assessment(works[0], teacher, marks("great", 10))
    db.session.commit()

    def columns_now():
        with app.test_request_context("/"), force_locale("en"):
            return {str(label): values for _pid, label, values in grades.gradebook_columns([project], people)}

    columns = columns_now()
    # Not released yet: only the peer grade (50) counts.
    assert columns["Weighted grade"][people[0].id] == 50
    with app.test_request_context("/"):
        marking.release([assessment], teacher)
    db.session.commit()
    columns = columns_now()
    assert columns["Weighted grade"][people[0].id] == Decimal("87.50")  # (50 x 1 + 100 x 3) / 4
    assert columns["Weighted grade"][people[1].id] == 50


def test_personal_data_holds_reviews_written_and_received_and_anonymising_clears_their_texts(
    db, app, cohort_work
):
    from lms.users.privacy import anonymise_user, personal_data
    from projects.grading import services as marking
    from projects.peer.models import PeerReview

    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    works = [cohort_work["hand_in"](t) for t in people[:3]]
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    peer.allocate_reviews(project, teacher, seed=2)
    review_all(project, people[:3], marks("good", 5), lambda person: f"by {person.id}")
    assessment = ready_assessment(works[0], teacher, marks("good", 5))
    with app.test_request_context("/"):
        marking.release([assessment], teacher)
    db.session.commit()
    with app.test_request_context("/"):
        data, _files = personal_data(people[0])
    mine = data["projects"]
    assert len(mine["peer_reviews_written"]) == 2
    received = mine["peer_reviews_received"]
    assert len(received) == 2 and all("reviewer_id" not in r for r in received)
    assert {r["feedback"] for r in received} == {f"by {p.id}" for p in people[1:3]}
    with app.test_request_context("/"):
        anonymise_user(people[0], teacher)
    db.session.commit()
    texts = {
        r.reviewer_id: r.feedback
        for r in db.session.scalars(select(PeerReview).where(PeerReview.project_id == project.id))
        if r.reviewer_id == people[0].id or r.submission_id == works[0].id
    }
    assert texts and set(texts.values()) == {""}
