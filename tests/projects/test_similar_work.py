"""Work that looks like other work across projects, cohorts and years, as each grader may see it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.db import utcnow
from media.models import MediaFile, MediaStatus
from media.storage import original_key
from tests.projects.test_marking import RUBRIC

MINE = "0123456789abcdef"
NEAR = "0123456789abcde8"  # 3 bits away
FAR = "fedcba9876543210"


@pytest.fixture
def world(db, course, make_user, make_cohort, make_project):
    """Trainee Minji hands in MINE in the course's project; a copy 3 bits away was handed in by Yuna in
    another cohort's project, one by Jisoo in the same project, and one was uploaded by Hana in no project."""
    from projects.coursework import submissions
    from projects.coursework.models import Attempt, AttemptItem
    from projects.grading import rubrics

    def hand_in(project, trainee, phash, name):
        media = MediaFile(
            owner=trainee,
            sha256="0" * 64,
            size_bytes=1,
            storage_key=original_key("0" * 64),
            original_name=name,
            status=MediaStatus.READY,
            kind="image",
            phash=phash,
        )
        submission = submissions.submission_for(project, trainee, create=True)
        item = AttemptItem(deliverable=project.deliverables[0], media=media, file_name=name)
        due = utcnow() + timedelta(days=1)
        with db.session.no_autoflush:
            db.session.add(
                Attempt(
                    submission=submission,
                    number=1,
                    due_at=due,
                    statement_accepted=True,
                    ai_used=False,
                    items=[item],
                )
            )
        db.session.commit()
        return submission, media

    minji, jisoo, other = course["trainees"]
    minji.name, jisoo.name, other.name = "Minji Kim", "Jisoo Park", "Seo Lee"
    yuna, hana = make_user(name="Yuna Choi"), make_user(name="Hana Jung")
    teacher2 = make_user("instructor", name="Teacher Two")
    last_year = make_cohort(instructors=[teacher2], trainees=[yuna], code="2025-OLD")
    elsewhere = make_project(cohort=last_year, title_en="Last year's film", title_ko="작년 영상")
    here = make_project()
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=course["instructor"]
    )
    rubrics.attach(here, rubric.latest)
    mine, _ = hand_in(here, minji, MINE, "minji.jpg")
    same_project, _ = hand_in(here, jisoo, NEAR, "jisoo.jpg")
    hand_in(here, other, FAR, "unrelated.jpg")
    old, _ = hand_in(elsewhere, yuna, NEAR, "yuna-2025.jpg")
    loose = MediaFile(
        owner=hana,
        sha256="0" * 64,
        size_bytes=1,
        storage_key=original_key("0" * 64),
        original_name="hana-loose.jpg",
        phash=MINE,
    )
    own_copy = MediaFile(
        owner=minji,
        sha256="0" * 64,
        size_bytes=1,
        storage_key=original_key("0" * 64),
        original_name="x",
        phash=MINE,
    )
    db.session.add_all([loose, own_copy])
    db.session.commit()
    return {
        "mine": mine,
        "same_project": same_project,
        "old": old,
        "loose": loose,
        "here": here,
        "elsewhere": elsewhere,
        "teacher2": teacher2,
    }


def test_similar_work_looks_across_projects_cohorts_and_uploads_but_not_the_owner(world):
    from projects.coursework import submissions

    found = submissions.similar_work(world["mine"])
    assert sorted((f.theirs.original_name, f.distance) for f in found) == [
        ("hana-loose.jpg", 0),
        ("jisoo.jpg", 3),
        ("yuna-2025.jpg", 3),
    ]
    assert found[0].theirs.original_name == "hana-loose.jpg" and found[0].submission is None
    by_name = {f.theirs.original_name: f.submission for f in found}
    assert (
        by_name["yuna-2025.jpg"].id == world["old"].id and by_name["jisoo.jpg"].id == world["same_project"].id
    )


def test_a_grader_sees_in_full_only_what_they_may_open(world, course, make_user):
    from projects.coursework import submissions

    own = submissions.similar_work_for(world["mine"], course["instructor"])
    assert [(f.theirs.original_name, gradable) for f, gradable in own.shown] == [("jisoo.jpg", True)]
    assert own.hidden == 2
    admin = submissions.similar_work_for(world["mine"], make_user("admin"))
    assert sorted((f.theirs.original_name, gradable) for f, gradable in admin.shown) == [
        ("hana-loose.jpg", False),
        ("jisoo.jpg", True),
        ("yuna-2025.jpg", True),
    ]
    assert admin.hidden == 0
    theirs = submissions.similar_work_for(world["old"], world["teacher2"])
    # Minji's and Jisoo's (a cohort Teacher Two does not teach), Hana's and Minji's uploads in no project
    assert theirs.shown == [] and theirs.hidden == 4


def test_the_grading_page_names_nobody_the_grader_may_not_see(world, course, app, client, login, make_user):
    page_url = f"/projects/{world['here'].id}/submissions/{world['mine'].id}/grade"
    login(course["instructor"])
    page = client.get(page_url).get_data(as_text=True)
    assert "minji.jpg looks like Jisoo Park" in page
    assert "2 similar files are in work you may not open. An admin can see them." in page
    for secret in ("Yuna Choi", "yuna-2025.jpg", "Last year", "Hana Jung", "hana-loose.jpg"):
        assert secret not in page
    admin = app.test_client()
    login(make_user("admin", locale="en"), c=admin)
    page = admin.get(page_url).get_data(as_text=True)
    assert "minji.jpg looks like Yuna Choi's submission in Last year&#39;s film (yuna-2025.jpg)." in page
    assert f"/projects/{world['elsewhere'].id}/submissions/{world['old'].id}/grade" in page
    assert "minji.jpg looks like a file Hana Jung uploaded (hana-loose.jpg)." in page
    assert f"/media/{world['loose'].id}" in page and "may not open" not in page
