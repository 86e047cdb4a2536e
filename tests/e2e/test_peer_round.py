"""Issue 21's round in Chromium, for the demo's AI video cohort: the instructor turns peer review on and makes
a graded film the example; two trainees on 390 px phones practise on it (one agrees only at the second try),
review each other's work, pin a comment to a moment of the film and change it; one hand-in comes late and
joins a second round; the instructor overrides one peer grade and releases; the gradebook (page and CSV) shows
the peer and assessing grades; and no page a trainee saw names another trainee of the round.

Hand-ins, the instructor's own grades and the third and late trainees' reviews are seeded with the services
(clicking them adds nothing here); the set-up, the practice, the reviews, the comments, the allocation, the
override and the release are clicked.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import SCREENSHOTS, running_server, shot
from tests.projects.test_peer import RUBRIC, marks
from tests.projects.test_peer_anonymity import _leaks

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

TITLE = "Peer round: a day at the market"
TRAINEES = {  # the demo's AI video cohort (2026-2): email → who they are in this test
    "trainee@demo.gongbang.kr": "phone",  # Nguyen Thi Lan
    "angelica@demo.gongbang.kr": "phone",  # Angelica Reyes
    "dilnoza@demo.gongbang.kr": "example",  # her graded film is the example, seeded reviews
    "budi@demo.gongbang.kr": "late",  # hands in after the first round
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own (the round changes the demo rows), and its instance folder, which the
    test seeds through the services."""
    base = tmp_path_factory.getbasetemp()

    def instances() -> set:
        return {p for p in base.glob("e2e-instance*") if not p.is_symlink()}  # not pytest's "...current"

    before = instances()
    with running_server(tmp_path_factory) as url:
        yield url, max(instances() - before, key=lambda p: p.stat().st_mtime)


@pytest.fixture(scope="module")
def seed(server):
    """``seed(fn)``: run *fn(people)* in an app on the server's own database and commit (people: the round's
    trainees and the instructor by email)."""
    from lms import create_app
    from lms.extensions import db
    from lms.jobs import commit
    from lms.users.models import User

    app = create_app({"CELERY_ALWAYS_EAGER": True}, instance_path=str(server[1]))

    def run(fn):
        with app.app_context(), app.test_request_context("/"):
            emails = [*TRAINEES, "instructor@demo.gongbang.kr"]
            people = {u.email: u for u in db.session.query(User).filter(User.email.in_(emails))}
            result = fn(people)
            commit()
            db.session.remove()
            return result

    return run


def _project(people):
    """A project of the AI video cohort with a film (optional) and a note, the peer tests' rubric, due an hour
    ago; three trainees handed in on time (Dilnoza with the demo's film), and her work is graded."""
    from sqlalchemy import select

    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes.models import Cohort, Programme
    from projects.coursework import services, submissions
    from projects.coursework.demo import SKETCH_TITLE_EN
    from projects.coursework.models import Project
    from projects.coursework.submissions import submission_for
    from projects.grading import rubrics
    from tests.fixtures.projects import ready_assessment

    teacher = people["instructor@demo.gongbang.kr"]
    cohort = db.session.scalar(
        select(Cohort).join(Programme).where(Programme.code == "AIVIDEO", Cohort.code == "2026-2")
    )
    now = utcnow()
    project = services.create_project(
        cohort,
        teacher,
        title_en=TITLE,
        title_ko=TITLE,
        due_at=now - timedelta(hours=1),
        cutoff_at=now + timedelta(days=7),
    )
    film = services.save_deliverable(project, name_en="Film", name_ko="영상", kind="video", required=False)
    note = services.save_deliverable(project, name_en="Note", name_ko="노트", kind="text")
    services.publish_project(project)
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="동료", title_en="Peer", data=RUBRIC, by=teacher
    )
    rubrics.attach(project, rubric.latest)
    # Dilnoza's film from the demo's sketch project (a real, checked video) goes with her work here too.
    dilnoza = people["dilnoza@demo.gongbang.kr"]
    sketch = db.session.scalar(
        select(Project).where(Project.cohort_id == cohort.id, Project.title_en == SKETCH_TITLE_EN)
    )
    demo_film = next(i.media for i in submission_for(sketch, dilnoza).attempts[-1].items if i.media)
    for email in ("dilnoza@demo.gongbang.kr", "trainee@demo.gongbang.kr", "angelica@demo.gongbang.kr"):
        person = people[email]
        work = submission_for(project, person, create=True)
        if person is dilnoza:
            submissions.attach_upload(work, film, demo_film)
        submissions.save_answer(work, note, text="The baker at seven, the first bread out of the oven.")
        submissions.save_declarations(work, ai_used=False)
        submissions.submit(work, person, statement_accepted=True, now=now - timedelta(days=1))
    ready_assessment(submission_for(project, dilnoza), teacher, marks("good", 6))
    return project.id, cohort.id


def _dilnoza_practises(people):
    """Dilnoza's agreement with the example (her own film: she marks it as the instructor did)."""
    from projects.peer import calibration

    project = _round_project()
    (example,) = calibration.examples_of(project)
    calibration.calibrate(example, people["dilnoza@demo.gongbang.kr"], marks("good", 6))


def _round_project():
    from sqlalchemy import select

    from lms.extensions import db
    from projects.coursework.models import Project

    return db.session.scalar(select(Project).where(Project.title_en == TITLE))


def _late_hand_in(people):
    """Dilnoza's reviews of the first round; Budi hands in late and practises; the instructor grades the other
    three works (ready to release)."""
    from projects.coursework import submissions
    from projects.peer import calibration
    from projects.peer import services as peer
    from tests.fixtures.projects import ready_assessment

    project = _round_project()
    dilnoza, budi = people["dilnoza@demo.gongbang.kr"], people["budi@demo.gongbang.kr"]
    for review in peer.reviews_by(project, dilnoza):
        peer.submit_review(
            review, dilnoza, expected_version=review.version, marks=marks("good", 6), feedback=""
        )
    work = submissions.submission_for(project, budi, create=True)
    submissions.save_answer(work, project.deliverables[1], text="Fish market at dawn, told by the ice.")
    submissions.save_declarations(work, ai_used=False)
    attempt = submissions.submit(work, budi, statement_accepted=True)
    assert attempt.late
    (example,) = calibration.examples_of(project)
    calibration.calibrate(example, budi, marks("good", 6))
    teacher = people["instructor@demo.gongbang.kr"]
    for email in ("trainee@demo.gongbang.kr", "angelica@demo.gongbang.kr", "budi@demo.gongbang.kr"):
        ready_assessment(submissions.submission_for(project, people[email]), teacher, marks("great", 8))


def _second_round_reviews(people):
    """Every review still open (the second round's), handed in; returns each reviewer's reviews' rounds."""
    from projects.peer import services as peer
    from projects.peer.models import PeerReviewStatus

    project = _round_project()
    given = {}
    for review in peer.allocation_of(project):
        given.setdefault(review.reviewer.email, []).append(review.round)
        if review.status is not PeerReviewStatus.SUBMITTED:
            peer.submit_review(
                review, review.reviewer, expected_version=review.version, marks=marks("good", 5), feedback=""
            )
    return given


def _watch(page):
    page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
    page.set_default_timeout(15_000)
    return page


def _kept(seen: dict, page) -> str:
    """The page once loaded, kept in *seen* (address → HTML) for the anonymity scan."""
    page.wait_for_load_state()
    seen[page.url] = page.content()
    return seen[page.url]


def _flash(page, text: str) -> None:
    expect(page.locator(".flash").first).to_contain_text(text)


def _practise(page, base, seen, story: str, craft: int) -> str:
    page.goto(base + "/peer/reviews")
    _kept(seen, page)
    page.get_by_role("link", name="Example 1").click()
    _kept(seen, page)
    page.locator(f"input[name=level-story][value={story}]").check()
    page.locator("input[name=level-craft][value=range]").check()
    page.locator("input[name=points-craft]").fill(str(craft))
    page.get_by_role("button", name="Compare my marks").click()
    result = page.get_by_role("heading", name=re.compile("Agreement"))
    expect(result).to_be_visible()
    _kept(seen, page)
    return result.inner_text()


def _review_all(page, base, seen, email, shots) -> int:
    """Review every open work of the list (levels, points, feedback); pin a comment to the film and change it
    where the work has one. Returns how many comments were pinned."""
    page.goto(base + "/peer/reviews")
    _kept(seen, page)
    links = page.locator("main a", has_text=re.compile(r"^Work \d+$"))
    count, pinned = links.count(), 0
    assert count == 2, _kept(seen, page)
    for n in range(count):
        page.goto(base + "/peer/reviews")
        page.locator("main a", has_text=re.compile(r"^Work \d+$")).nth(n).click()
        _kept(seen, page)
        if page.locator("video").count():
            form = page.locator("form.timed-form")
            form.locator("input[name=seconds]").fill("3")
            form.locator("select[name=criterion_id]").select_option("story")
            form.locator("textarea[name=text]").fill("The <b>door</b> light is lovely here")
            form.get_by_role("button", name="Pin comment to this moment").click()
            _flash(page, "The comment is pinned to that moment.")
            item = page.locator("ul.timed-comments li").first
            expect(item).to_contain_text("The <b>door</b> light is lovely here")  # as typed: escaped
            item.locator("summary", has_text="Change").click()
            item.locator("textarea[name=text]").fill("The door light at 0:04 is lovely")
            item.locator("input[name=seconds]").fill("4")
            item.screenshot(path=str(SCREENSHOTS / f"{shots}-comment-change-phone.png"))
            item.get_by_role("button", name="Save").click()
            _flash(page, "The comment is changed.")
            expect(page.locator("ul.timed-comments li").first).to_contain_text(
                "The door light at 0:04 is lovely"
            )
            expect(page.locator("ul.timed-comments li button[data-seek]").first).to_have_text("0:04")
            _kept(seen, page)
            shot(page, f"{shots}-review-film-phone")
            pinned += 1
        page.locator(".grading-rubric input[name=level-story][value=good]").check()
        page.locator(".grading-rubric input[name=level-craft][value=range]").check()
        page.locator(".grading-rubric input[name=points-craft]").fill(str(5 + n))
        page.locator(".grading-rubric textarea[name=feedback]").fill(
            "Clear story. The sound could be louder."
        )
        page.get_by_role("button", name="Save review").click()
        _flash(page, "Your review is saved.")
        _kept(seen, page)
    return pinned


def test_a_peer_round_for_a_cohort_on_phones(server, seed, context_for):
    url, _instance = server
    project_id, cohort_id = seed(_project)
    base = f"{url}/projects/{project_id}"

    # The instructor (in English on this module's server) turns peer review on and makes the graded film the
    # example.
    teacher = _watch(context_for("en-US").new_page())
    sign_in(teacher, url, "instructor@demo.gongbang.kr")
    with teacher.expect_navigation():
        teacher.evaluate(SWITCH_LANGUAGE, "en")
    teacher.goto(base + "/peer")
    teacher.get_by_label("Trainees review each other's work").check()
    teacher.get_by_label("Works each trainee reviews").fill("2")
    teacher.get_by_label("Weight of the peer grade (0: feedback only)").fill("50")
    teacher.get_by_label("Weight of the instructor's grade").fill("50")
    teacher.get_by_role("button", name="Save settings").click()
    _flash(teacher, "Peer review settings are saved.")
    teacher.locator("select[name=submission_id]").select_option(label="Dilnoza Karimova")
    teacher.get_by_role("button", name="Make it an example").click()
    _flash(teacher, "The work is an example now.")
    expect(teacher.get_by_text("Example 1 · Dilnoza Karimova")).to_be_visible()

    # Two trainees practise on phones, each in a browser of their own: Lan agrees at once, Angelica only at
    # her second try, and no work is open to her before.
    phones, seen = {}, {}
    for email in ("trainee@demo.gongbang.kr", "angelica@demo.gongbang.kr"):
        phones[email] = _watch(context_for("en-US", phone=True).new_page())
        seen[email] = {}
        sign_in(phones[email], url, email)
        _kept(seen[email], phones[email])
    lan, angelica = phones["trainee@demo.gongbang.kr"], phones["angelica@demo.gongbang.kr"]
    assert _practise(lan, base, seen["trainee@demo.gongbang.kr"], "good", 6) == "Agreement: 100 of 100"
    shot(lan, "peer-practise-phone")
    first = _practise(angelica, base, seen["angelica@demo.gongbang.kr"], "great", 9)
    assert int(re.search(r"Agreement: (\d+)", first).group(1)) < 70, first
    angelica.goto(base + "/peer/reviews")
    expect(angelica.get_by_text("First practise on the examples. Then you can review.")).to_be_visible()
    assert _practise(angelica, base, seen["angelica@demo.gongbang.kr"], "good", 6) == "Agreement: 100 of 100"
    seed(_dilnoza_practises)

    # The instructor shares out the reviews: each of the three gets the two other works.
    teacher.goto(base + "/peer")
    teacher.get_by_role("button", name="Share out the reviews").click()
    expect(teacher.get_by_text("3 works are handed in.")).to_be_visible()  # it asks first
    teacher.get_by_role("button", name="Share out the reviews").click()  # the confirmation page's
    _flash(teacher, "Reviews are shared out.")

    # The reviews, on the phones (the film gets a comment at a moment, which its reviewer then changes).
    pinned = sum(
        _review_all(page, base, seen[email], email, email.split("@")[0]) for email, page in phones.items()
    )
    assert pinned == 2  # both review Dilnoza's film
    shot(lan, "peer-reviews-list-phone")

    # Budi hands in late and practises; a second round gives his work reviews and him works to review.
    seed(_late_hand_in)
    teacher.goto(base + "/peer")
    teacher.get_by_role("button", name="Share out the reviews").click()
    expect(teacher.get_by_text("1 late work joins in a new round.")).to_be_visible()
    teacher.get_by_role("button", name="Share out the reviews").click()  # the confirmation page's
    _flash(teacher, "Reviews are shared out.")
    given = seed(_second_round_reviews)
    assert given["budi@demo.gongbang.kr"] == [2, 2] and sum(r.count(2) for r in given.values()) == 4

    # The instructor overrides Angelica's peer grade, with a reason.
    teacher.goto(base + "/peer")
    row = teacher.locator("tr", has_text="Angelica Reyes")
    row.locator("summary").click()
    row.locator("input[name=grade]").fill("80")
    row.locator("textarea[name=reason]").fill("Her film was checked again in class.")
    row.get_by_role("button", name="Save").click()
    _flash(teacher, "The peer grade is changed.")
    angelica_row = teacher.locator("tr", has_text="Angelica Reyes")
    expect(angelica_row).to_contain_text("80")
    expect(angelica_row).to_contain_text("changed by an instructor")
    expect(teacher.locator("tr", has_text="Budi Santoso")).to_contain_text("2 / 2")
    shot(teacher, "peer-setup-desktop")

    # Release, with the confirmation step.
    teacher.goto(base + "/submissions")
    teacher.get_by_role("button", name="Release every grade that is ready").click()
    expect(teacher.locator("[data-confirm-question]")).to_contain_text(
        "Release 4 ready grade(s) to 4 trainee(s)"
    )
    teacher.get_by_role("button", name="Release", exact=True).click()
    _flash(teacher, "4 grade(s) released to trainees.")

    # The gradebook: each trainee's grade with the peer grade and their grade for assessing, also in the CSV.
    teacher.goto(f"{url}/projects/cohorts/{cohort_id}/gradebook")
    for name in ("Nguyen Thi Lan", "Angelica Reyes", "Dilnoza Karimova", "Budi Santoso"):
        expect(teacher.locator("tr", has_text=name)).to_contain_text(re.compile(r"Peer grade: \d"))
        expect(teacher.locator("tr", has_text=name)).to_contain_text(re.compile(r"Assessing grade: \d"))
    expect(teacher.locator("tr", has_text="Angelica Reyes")).to_contain_text("Peer grade: 80")
    csv = teacher.request.get(f"{url}/projects/cohorts/{cohort_id}/gradebook.csv").text()
    assert f"{TITLE}: Peer grade" in csv and f"{TITLE}: Assessing grade" in csv
    assert re.search(r"Angelica Reyes,angelica@demo\.gongbang\.kr,.*\b80\b", csv)

    # The trainees read the reviews of their work (numbered, not named) and the comment at its moment.
    for email, page in phones.items():
        page.goto(base + "/peer/reviews")
        text = _kept(seen[email], page)
        expect(page.get_by_role("heading", name="Reviews of your work")).to_be_visible()
        assert "Reviewer 1" in text and "Reviewer 2" in text
        shot(page, f"peer-received-{email.split('@')[0]}-phone")
        page.goto(url + "/notifications")
        expect(page.get_by_text(re.compile("You have works to review for")).first).to_be_visible()
        _kept(seen[email], page)

    # Nothing anonymous leaked: no page either trainee saw names another trainee of the round.
    hidden = seed(
        lambda people: {
            email: {p.name: [p.name, p.email] for e, p in people.items() if e in TRAINEES and e != email}
            for email in phones
        }
    )
    for email, texts in seen.items():
        assert len(texts) >= 8
        leaks = _leaks(texts, hidden[email])
        assert not leaks, f"{email} read the names of other trainees of the round: {leaks}"
