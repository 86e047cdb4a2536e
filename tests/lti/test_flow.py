"""End to end against an outside platform (lti1p3platform): deep linking, launches, grades, roster."""

from __future__ import annotations

from sqlalchemy import select

from tests.fixtures.lti import hint
from tests.lti.platform import ISSUER


def deep_link(launch, lms, course, project, app):
    """The instructor adds the project to the LMS course; returns their signed-in client."""
    from lti.models import Launch

    browser = app.test_client()
    answer = launch("t-1", hint(deep_link=True), client=browser)
    assert answer.status_code == 302 and "/lti/launches/" in answer.location
    launch_id = int(answer.location.rstrip("/").rsplit("/", 1)[1])
    page = browser.get(answer.location, headers={"Accept-Language": "en"})
    assert b"Which cohort is this course?" in page.data
    linked = browser.post(f"/lti/launches/{launch_id}/cohort", data={"cohort_id": course["cohort"].id})
    assert linked.status_code == 302
    page = browser.get(f"/lti/launches/{launch_id}", headers={"Accept-Language": "en"})
    assert b"Brand film" in page.data
    answer = browser.post(f"/lti/launches/{launch_id}/project", data={"project_id": project.id})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f'action="{ISSUER}/deep_link_return"' in html
    assert f"form-action {ISSUER}" in answer.headers["Content-Security-Policy"]
    token = html.split('name="JWT" value="', 1)[1].split('"', 1)[0]
    # The browser posts the signed answer to the LMS, which checks it against our published keys.
    from tests.lti.platform import build_platform

    returned = build_platform(lms).test_client().post("/deep_link_return", data={"JWT": token})
    assert returned.status_code == 200, returned.data
    from lms.extensions import db

    assert db.session.get(Launch, launch_id).answered_at is not None
    return browser


def test_deep_link_then_trainee_launch_lands_on_the_project(app, db, lms, platform, course, project, launch):
    from lms.programmes.models import Enrolment
    from lms.users.models import Role, User
    from lti.models import Account, Context, ResourceLink

    deep_link(launch, lms, course, project, app)
    [item] = lms.deep_link_items
    assert item["type"] == "ltiResourceLink" and item["title"] == "Brand film"
    assert item["custom"] == {"gongbang_project": str(project.id)}
    assert (
        item["lineItem"]["scoreMaximum"] == 100.0
        and item["lineItem"]["resourceId"] == f"gongbang-project-{project.id}"
    )
    context = db.session.scalar(select(Context))
    assert context.cohort_id == course["cohort"].id and context.title == "Video Production 101"
    # The existing instructor was matched by e-mail, not duplicated.
    assert db.session.scalar(select(Account).where(Account.sub == "t-1")).user_id == course["instructor"].id

    browser = app.test_client()
    answer = launch("s-1", hint("link-1"), client=browser)
    assert answer.status_code == 302, answer.data
    assert answer.location.endswith(f"/projects/{project.id}")
    trainee = db.session.scalar(select(User).where(User.email == "lan@uni.example.edu"))
    assert trainee.role is Role.TRAINEE and trainee.name == "Nguyen Thi Lan" and trainee.password_hash is None
    assert (
        db.session.scalar(select(Enrolment).where(Enrolment.user_id == trainee.id)).cohort_id
        == course["cohort"].id
    )
    link = db.session.scalar(select(ResourceLink))
    assert link.project_id == project.id and link.lineitem_url.endswith("/lineitems/link-1")
    page = browser.get(answer.location, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"Brand film" in page.data
    # A second launch signs the same person in again, without a second account.
    again = launch("s-1", hint("link-1"))
    assert again.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "lan@uni.example.edu")).id == trainee.id


RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Story",
            "title_ko": "구성",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 0},
                {"id": "good", "name_en": "Good", "points": 8},
            ],
        }
    ]
}


def graded(db, course, project, trainee, feedback="Strong opening, weak sound."):
    """The trainee's hand-in, graded and ready (not released)."""
    from projects.coursework import submissions
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus

    rubric = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="평가",
        title_en="Rubric",
        data=RUBRIC,
        by=course["instructor"],
    )
    rubrics.attach(project, rubric.latest)
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="My film")
    submissions.save_declarations(submission, ai_used=False)
    submissions.submit(submission, trainee, statement_accepted=True)
    assessment = marking.start_assessment(submission, course["instructor"])
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": "good"}},
        feedback=feedback,
        status=MarkingStatus.READY,
        by=course["instructor"],
    )
    db.session.commit()
    return assessment


def placed(app, db, lms, course, project, launch):
    """Deep-linked project and a trainee who launched from it; returns (instructor browser, trainee)."""
    from lms.users.models import User

    browser = deep_link(launch, lms, course, project, app)
    assert launch("s-1", hint("link-1")).status_code == 302
    return browser, db.session.scalar(select(User).where(User.email == "lan@uni.example.edu"))


def test_released_grade_arrives_in_the_line_item_and_never_before(
    app, db, lms, platform, course, project, launch, network
):
    from lti.models import GradeStatus, GradeSync

    browser, trainee = placed(app, db, lms, course, project, launch)
    graded(db, course, project, trainee)
    assert lms.scores == [] and db.session.scalar(select(GradeSync)) is None  # ready, not released
    assert not [c for c in network.calls if "/scores" in c[1]]
    answer = browser.post(f"/projects/{project.id}/release", data={"confirmed": "1"})
    assert answer.status_code == 302
    [score] = lms.scores
    assert score["lineitem"] == "link-1" and score["userId"] == "s-1"
    assert score["scoreGiven"] == 100.0 and score["scoreMaximum"] == 100.0  # 8 of 8 points
    assert score["comment"] == "Strong opening, weak sound."
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    sync = db.session.scalar(select(GradeSync))
    assert sync.status is GradeStatus.SENT and sync.attempts == 1
    page = browser.get("/lti/courses", headers={"Accept-Language": "en"})
    assert b"Nguyen Thi Lan" in page.data and b"sent" in page.data


def test_unreachable_platform_is_retried_then_shown_and_retriable(
    app, db, lms, platform, course, project, launch
):
    from lti import tasks
    from lti.models import GradeStatus, GradeSync

    browser, trainee = placed(app, db, lms, course, project, launch)
    graded(db, course, project, trainee)
    lms.fail_scores = 2  # two 503s, then the third try gets through
    browser.post(f"/projects/{project.id}/release", data={"confirmed": "1"})
    sync = db.session.scalar(select(GradeSync))
    assert sync.status is GradeStatus.SENT and sync.attempts == 3 and len(lms.scores) == 1

    lms.fail_scores = tasks.MAX_RETRIES + 1  # down for longer than the retries last
    sync.status, sync.attempts = GradeStatus.PENDING, 0
    db.session.commit()
    tasks.send_score.apply(args=[sync.id])
    db.session.expire_all()
    sync = db.session.scalar(select(GradeSync))
    assert (
        sync.status is GradeStatus.FAILED
        and "503" in sync.last_error
        and sync.attempts == tasks.MAX_RETRIES + 1
    )
    page = browser.get("/lti/courses", headers={"Accept-Language": "en"})
    assert b"failed" in page.data and b"Send failed grades again" in page.data
    lms.fail_scores = 0
    context_id = sync.resource_link.context_id
    assert browser.post(f"/lti/courses/{context_id}/grades/retry").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(GradeSync)).status is GradeStatus.SENT and len(lms.scores) == 2


def test_roster_sync_enrols_active_members_and_withdraws_those_who_left(
    app, db, lms, platform, course, project, launch
):
    from lms.programmes.models import Enrolment, EnrolmentStatus
    from lms.users.models import Role, User
    from lti.models import Context

    browser, trainee = placed(app, db, lms, course, project, launch)
    context = db.session.scalar(select(Context))
    assert browser.post(f"/lti/courses/{context.id}/roster").status_code == 302
    minh = db.session.scalar(select(User).where(User.email == "minh@uni.example.edu"))
    assert minh.role is Role.TRAINEE
    status = {e.user_id: e.status for e in db.session.scalars(select(Enrolment))}
    assert status[minh.id] is EnrolmentStatus.ACTIVE and status[trainee.id] is EnrolmentStatus.ACTIVE
    db.session.refresh(context)
    assert context.sync_result == {"added": 1, "withdrawn": 0, "unchanged": 2, "skipped": 0}

    lms.people["s-2"].status = "Deleted"
    browser.post(f"/lti/courses/{context.id}/roster")
    db.session.expire_all()
    assert (
        db.session.scalar(select(Enrolment).where(Enrolment.user_id == minh.id)).status
        is EnrolmentStatus.WITHDRAWN
    )
    assert db.session.get(Context, context.id).sync_result["withdrawn"] == 1
